"""Every kind of page in the portal, opened in chromium as the people who use it: no CSP violation, no
console error, nothing wider than a phone; and the quote button puts a reference to the post in the reply box,
which the thread shows as the quoted post's text."""

import pytest

from accounts import roles
from messaging.board import services as board_services
from messaging.board.models import Forum, Post
from messaging.bulletins import services
from tests.browser.test_live import log_in
from tests.browser.test_reconnect import off_the_event_loop
from tests.factories import BulletinFactory, member_of, officer_user, with_mfa

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_every_page_kind_renders_cleanly(browser, live_server_url, sector_a):
    member = member_of(sector_a, display_name="Mina Member")
    lead = with_mfa(member_of(sector_a, display_name="Lena Lead"))
    roles.make_sector_lead(lead, sector_a)
    moderator = with_mfa(member_of(sector_a, display_name="Morgan Moderator"))
    forum = Forum.objects.get(sector=sector_a)
    roles.make_moderator(moderator, forum)
    officer = officer_user()
    thread = board_services.start_thread(forum, author=officer, title="Road closures", body="**Regent Street**")
    post = board_services.reply(thread, author=member, body="Thanks, we will *plan* for it.")
    board_services.edit_post(post, by=member, body="Thanks, we will plan for it today.")
    bulletin = BulletinFactory(title="March on Saturday", body="Expect closures.", author=officer, sectors=[sector_a])
    off_the_event_loop(services.publish_bulletin, bulletin, by=officer)
    incident = services.open_incident(title="Power cut in Soho", sectors=[sector_a], boroughs=[], by=officer)

    visits = {
        member: ["/dashboard/", "/sectors/", f"/sectors/{sector_a.slug}/", "/sectors/mine/", "/sectors/apply/",
                 f"/sectors/organisations/{member.organisation_id}/", "/forums/", f"/forums/{forum.slug}/",
                 f"/forums/threads/{thread.pk}/", f"/forums/{forum.slug}/new/", f"/forums/posts/{post.pk}/edit/",
                 f"/forums/posts/{post.pk}/report/", "/bulletins/", f"/bulletins/{bulletin.pk}/",
                 "/bulletins/incidents/", f"/bulletins/incidents/{incident.pk}/"],
        moderator: ["/forums/moderation/", f"/forums/{forum.slug}/log/", f"/forums/posts/{post.pk}/history/",
                    f"/forums/threads/{thread.pk}/move/"],
        lead: ["/sectors/applications/"],
        officer: ["/bulletins/manage/", "/bulletins/manage/new/", f"/bulletins/manage/{bulletin.pk}/report/",
                  "/bulletins/manage/feedback/", "/bulletins/incidents/new/",
                  f"/bulletins/incidents/{incident.pk}/update/"],
    }
    for user, paths in visits.items():
        context, page = log_in(browser, live_server_url, user)
        errors = []
        page.on("console", lambda m, errors=errors: m.type == "error" and errors.append(m.text))
        try:
            for path in paths:
                response = page.goto(path)
                assert response.status == 200, path
                assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
            assert page.csp_errors == [] and [e for e in errors if "WebSocket" not in e] == []
            if user is member:
                page.goto(f"/forums/threads/{thread.pk}/")
                page.get_by_role("button", name="Quote").first.click()
                # A quote is a reference to the post (messaging/board/quotes.py), not a copy of its text...
                opening = thread.posts.order_by("pk").first()
                assert page.locator("#id_body").input_value() == f"> [quote={opening.pk}]\n\n"
                page.get_by_role("button", name="Post reply").click()
                page.locator("blockquote.quote").first.wait_for()
                # ... and the thread shows the quoted post's own text in its place.
                reply = Post.objects.filter(thread=thread, author=member).latest("pk")
                assert reply.body.strip() == f"> [quote={opening.pk}]"
                quote = page.locator(f"#post-{reply.pk}-body blockquote.quote")
                assert quote.locator(".quote-source").inner_text() == "PC Liaison wrote:"
                assert quote.locator("strong").inner_text() == "Regent Street"
        finally:
            context.close()


def test_the_longest_menus_fit_a_laptops_width_without_sideways_scrolling(browser, live_server_url, sector_a):
    # The officer's menu is the longest (publish, replies, reports...); a lead's and a member's are shorter.
    lead = with_mfa(member_of(sector_a, display_name="Lena Lead of a long name (Retail lead)"))
    roles.make_sector_lead(lead, sector_a)
    laptop = {"width": 1280, "height": 800}
    for user in (officer_user(display_name="PC Olivia Okafor (Met liaison)"), lead):
        context, page = log_in(browser, live_server_url, user, viewport=laptop)
        try:
            assert page.goto("/dashboard/").status == 200
            assert page.evaluate("document.documentElement.scrollWidth") <= laptop["width"]
            assert page.get_by_role("link", name="Calendar").is_visible()  # expanded, not behind the toggle
        finally:
            context.close()


def test_a_double_clicked_reply_is_posted_once(browser, live_server_url, sector_a):
    member = member_of(sector_a, display_name="Mina Member")
    forum = Forum.objects.get(sector=sector_a)
    thread = board_services.start_thread(forum, author=officer_user(), title="Road closures", body="Regent Street")
    context, page = log_in(browser, live_server_url, member)
    try:
        page.goto(f"/forums/threads/{thread.pk}/")
        page.locator("#id_body").fill("We will plan for it.")
        # Two submits 20 ms apart, as a double click sends them while the first is on its way.
        page.locator("#id_body").evaluate(
            "(box) => { box.form.requestSubmit(); setTimeout(() => box.form.requestSubmit(), 20); }")
        page.get_by_text("We will plan for it.").first.wait_for()
        page.wait_for_load_state("networkidle")
        assert Post.objects.filter(thread=thread, body="We will plan for it.").count() == 1
    finally:
        context.close()
