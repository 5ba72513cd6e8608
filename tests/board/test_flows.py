"""What members and moderators see as threads go through the queue, and what the moderators' actions do."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounts import roles
from audit.models import AuditEntry
from messaging.board import permissions, services
from messaging.board.models import BODY_MAX_LENGTH, Forum, Post, Report, Thread
from notifications.models import Notification
from sectors.models import Sector
from tests.factories import UserFactory, member_of, with_mfa

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(people, forums):
    roles.make_moderator(people.moderator_a, forums.a)
    return people.moderator_a


def test_member_thread_waits_for_a_moderator_then_reaches_readers(client, people, forums, moderator, sector_a,
                                                                   django_capture_on_commit_callbacks):
    # A member posts a thread: it waits for a moderator.
    client.force_login(people.member_a)
    response = client.post(reverse("board:thread_create", args=[forums.a.slug]),
                           {"title": "Van parked at the loading bay", "body": "Third day running."}, follow=True)
    assert "a moderator will review your thread" in response.content.decode()
    thread = Thread.objects.get(title="Van parked at the loading bay")
    assert thread.status == "pending"

    # Another member of the sector can't see it yet; the moderator has it in the queue and the navigation.
    colleague = member_of(sector_a, display_name="Colleague")
    client.force_login(colleague)
    assert client.get(thread.get_absolute_url()).status_code == 404
    assert "Van parked" not in client.get(forums.a.get_absolute_url()).content.decode()
    client.force_login(moderator)
    queue = client.get(reverse("board:queue")).content.decode()
    assert "Van parked at the loading bay" in queue
    assert 'id="moderation-count" class="badge text-bg-warning">1<' in queue

    # The moderator approves it from the queue: the author is told by e-mail and on the site.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("board:thread_approve", args=[thread.pk]), {"next": "queue"}, follow=True)
    assert "Thread approved" in response.content.decode()
    assert [m.to for m in mail.outbox] == [[people.member_a.email]]
    assert "was approved" in mail.outbox[0].subject
    client.force_login(people.member_a)
    assert "was approved and is now visible" in client.get(reverse("dashboard")).content.decode()

    # Another member of the sector replies; it shows at once.
    client.force_login(colleague)
    response = client.post(reverse("board:reply", args=[thread.pk]), {"body": "Reported it to the council."},
                           follow=True)
    assert "Reported it to the council." in response.content.decode()
    thread.refresh_from_db()
    assert thread.reply_count == 1
    forums.a.refresh_from_db()
    assert (forums.a.thread_count, forums.a.post_count) == (1, 2)

    # A member of another sector can't see it.
    client.force_login(people.member_b)
    assert client.get(thread.get_absolute_url()).status_code == 404
    assert client.get(forums.a.get_absolute_url()).status_code == 403
    assert "Van parked" not in client.get(reverse("board:forum_list")).content.decode()


def test_rejected_thread_keeps_reason_and_can_be_resubmitted(client, people, forums, moderator):
    thread = services.start_thread(forums.a, author=people.member_a, title="Buy my alarms", body="Cheap alarms!")
    client.force_login(moderator)
    response = client.post(reverse("board:thread_reject", args=[thread.pk]), {"reason": ""})
    assert "Give a reason." in response.content.decode()
    client.post(reverse("board:thread_reject", args=[thread.pk]), {"reason": "No advertising, please."})
    client.force_login(people.member_a)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "No advertising, please." in page and "Edit and resubmit" in page
    first = thread.posts.get()
    response = client.post(reverse("board:post_edit", args=[first.pk]),
                           {"title": "Alarm tips", "body": "What alarms work for small shops?"}, follow=True)
    assert "resubmitted" in response.content.decode()
    thread.refresh_from_db()
    assert (thread.status, thread.title) == ("pending", "Alarm tips")
    client.force_login(moderator)
    history = client.get(reverse("board:post_history", args=[first.pk])).content.decode()
    assert "Cheap alarms!" in history and "Buy my alarms" in history


def test_officers_and_moderators_threads_are_approved_at_once(client, people, forums, moderator):
    client.force_login(people.officer)
    client.post(reverse("board:thread_create", args=[forums.hub.slug]), {"title": "Summit next week", "body": "x"})
    client.force_login(moderator)
    client.post(reverse("board:thread_create", args=[forums.a.slug]), {"title": "House rules", "body": "Be kind."})
    assert set(Thread.objects.values_list("title", "status")) == {("Summit next week", "approved"),
                                                                   ("House rules", "approved")}
    client.force_login(people.member_b)
    assert "Summit next week" in client.get(forums.hub.get_absolute_url()).content.decode()


def test_locked_thread_refuses_replies_with_a_message(client, people, forums, moderator):
    thread = services.start_thread(forums.a, author=moderator, title="Closed topic", body="x")
    client.force_login(moderator)
    client.post(reverse("board:thread_lock", args=[thread.pk]))
    client.force_login(people.member_a)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "This thread is locked: no new replies." in page and 'action="/forums/threads/' not in page
    response = client.post(reverse("board:reply", args=[thread.pk]), {"body": "Let me in"})
    assert response.status_code == 403 and "locked" in response.content.decode()
    assert thread.posts.count() == 1


def test_cannot_post_in_another_sectors_forum(client, people, forums):
    client.force_login(people.member_b)
    response = client.post(reverse("board:thread_create", args=[forums.a.slug]), {"title": "Hi", "body": "x"})
    assert response.status_code == 403
    assert "Only approved members of Retail" in response.content.decode()
    assert not Thread.objects.exists()


@pytest.mark.parametrize(("data", "message"), [
    ({"title": "", "body": "Something happened."}, "Give the thread a title."),
    ({"title": "   ", "body": "Something happened."}, "Give the thread a title."),
    ({"title": "Incident", "body": ""}, "Write something before posting."),
    ({"title": "Incident", "body": "x" * (BODY_MAX_LENGTH + 1)}, f"at most {BODY_MAX_LENGTH:,}".replace(",", "")),
    ({"title": "T" * 201, "body": "Something happened."}, "at most 200 characters"),
])
def test_thread_form_errors_keep_what_was_typed(client, people, forums, data, message):
    client.force_login(people.member_a)
    response = client.post(reverse("board:thread_create", args=[forums.a.slug]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    if data["body"] and len(data["body"]) < 100:
        assert data["body"] in page
    assert not Thread.objects.exists()


def test_reply_errors_keep_the_thread_page(client, people, board):
    client.force_login(people.lead_a)
    response = client.post(reverse("board:reply", args=[board.approved.pk]), {"body": "  "})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Write something before posting." in page and "Thefts on the high street" in page


def test_report_once_and_resolve_with_audit(client, people, board, forums):
    client.force_login(people.member_a)
    response = client.post(reverse("board:post_report", args=[board.reply.pk]), {"reason": "Again"}, follow=True)
    assert "You have already reported this post" in response.content.decode()
    assert Report.objects.count() == 1
    client.force_login(people.moderator_a)
    queue = client.get(reverse("board:queue")).content.decode()
    assert "Off topic" in queue
    client.post(reverse("board:report_resolve", args=[board.report.pk]), {"outcome": "Spoke to the member"})
    board.report.refresh_from_db()
    assert board.report.status == "resolved" and board.report.resolved_by == people.moderator_a
    log = client.get(reverse("board:log", args=[forums.a.slug])).content.decode()
    assert "Report resolved (Other) by Moderator A" in log and "Spoke to the member" in log
    assert "Approved by Moderator A" in log
    response = client.post(reverse("board:report_resolve", args=[board.report.pk]), follow=True)
    assert "already resolved" in response.content.decode()


def test_hidden_post_is_hidden_from_members_only(client, people, board):
    client.force_login(people.moderator_a)
    client.post(reverse("board:post_hide", args=[board.reply.pk]), {"reason": "Personal data"})
    assert AuditEntry.objects.filter(action="board.post.hide", reason="Personal data").exists()
    assert "Same here on Tuesday." in client.get(board.approved.get_absolute_url()).content.decode()
    client.force_login(people.member_a)
    page = client.get(board.approved.get_absolute_url()).content.decode()
    assert "Same here on Tuesday." not in page and "This post was hidden by a moderator." in page
    client.force_login(people.moderator_a)
    client.post(reverse("board:post_unhide", args=[board.reply.pk]))
    client.force_login(people.member_a)
    assert "Same here on Tuesday." in client.get(board.approved.get_absolute_url()).content.decode()


def test_pin_and_move_keep_counters_and_need_both_forums(client, people, board, forums):
    client.force_login(people.moderator_a)
    client.post(reverse("board:thread_pin", args=[board.approved.pk]))
    assert "Pinned" in client.get(forums.a.get_absolute_url()).content.decode()
    # Moderator A doesn't moderate forum B: it isn't offered, and a forged choice is refused.
    form = client.get(reverse("board:thread_move", args=[board.approved.pk])).content.decode()
    assert forums.b.name not in form
    response = client.post(reverse("board:thread_move", args=[board.approved.pk]), {"forum": forums.b.pk})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    roles.make_moderator(people.moderator_a, forums.b)
    client.post(reverse("board:thread_move", args=[board.approved.pk]), {"forum": forums.b.pk})
    forums.a.refresh_from_db()
    forums.b.refresh_from_db()
    assert (forums.a.thread_count, forums.a.post_count, forums.b.thread_count, forums.b.post_count) == (0, 0, 1, 2)
    assert AuditEntry.objects.filter(action="board.thread.move").count() == 2
    assert AuditEntry.objects.filter(action="board.thread.pin").exists()


def test_approving_twice_is_refused_with_a_message(client, people, board):
    client.force_login(people.moderator_a)
    client.post(reverse("board:thread_approve", args=[board.pending.pk]))
    response = client.post(reverse("board:thread_approve", args=[board.pending.pk]), follow=True)
    assert "already approved; nothing was changed" in response.content.decode()


def test_link_to_a_post_opens_its_page(client, people, board):
    for n in range(25):
        services.reply(board.approved, author=people.lead_a, body=f"Reply number {n}")
    target = Post.objects.get(body="Reply number 24")
    client.force_login(people.member_a)
    response = client.get(target.get_absolute_url(), follow=True)
    assert "Reply number 24" in response.content.decode()
    assert "Page 2 of 2" in response.content.decode()


def test_new_sector_gets_a_forum(db):
    sector = Sector.objects.create(slug="waste-management", name="Waste management")
    assert Forum.objects.get(sector=sector).slug == "waste-management"


def test_sector_page_shows_recent_threads(client, people, board, sector_a):
    client.force_login(people.member_a)
    page = client.get(reverse("sectors:detail", args=[sector_a.slug])).content.decode()
    assert "Thefts on the high street" in page and "Skimmers" not in page


def test_hidden_posts_and_pending_threads_cannot_be_reported_or_read_through_the_report_page(client, people,
                                                                                             board):
    client.force_login(people.moderator_a)
    client.post(reverse("board:post_hide", args=[board.reply.pk]), {"reason": "Personal data"})
    client.force_login(people.member_a)
    assert client.get(reverse("board:post_report", args=[board.reply.pk])).status_code == 404
    pending_post = board.pending.posts.get()
    assert client.get(reverse("board:post_report", args=[pending_post.pk])).status_code == 404


def test_odd_post_links_are_ignored(client, people, board):
    client.force_login(people.member_a)
    for value in ["²", "-1", "1e9", "9" * 40, ""]:
        assert client.get(f"{board.approved.get_absolute_url()}?post={value}").status_code == 200


def test_sector_page_hides_forum_titles_from_those_who_cannot_read_the_forum(client, people, board, sector_a):
    lead_only = with_mfa(UserFactory(verified=True))  # leads sector A without being a member of it
    roles.make_sector_lead(lead_only, sector_a)
    for user in (people.officer, lead_only):
        client.force_login(user)
        response = client.get(reverse("sectors:detail", args=[sector_a.slug]))
        assert response.status_code == 200  # they may see the sector page...
        assert "Thefts on the high street" not in response.content.decode()  # ...but not the forum's titles
    client.force_login(people.member_a)
    assert "Thefts on the high street" in client.get(reverse("sectors:detail", args=[sector_a.slug])).content.decode()


def test_moving_keeps_counters_sane_and_recomputes_the_source_activity(people, board, forums):
    roles.make_moderator(people.moderator_a, forums.b)
    Forum.objects.filter(pk=forums.a.pk).update(thread_count=0, post_count=0)  # a drifted counter
    services.move_thread(board.approved, by=people.moderator_a, to=forums.b)
    forums.a.refresh_from_db()
    assert (forums.a.thread_count, forums.a.post_count, forums.a.last_activity_at) == (0, 0, None)


def test_reserved_slugs_are_refused_in_the_admin(client, people):
    client.force_login(people.admin)
    response = client.post(reverse("admin:sectors_sector_add"), {"name": "Moderation", "slug": "moderation",
                                                                   "description": ""})
    assert response.status_code == 200 and "is a page of the portal" in response.content.decode()


def test_recount_board_repairs_drifted_counters(people, board, forums):
    Forum.objects.filter(pk=forums.a.pk).update(thread_count=7, post_count=0)
    Thread.objects.filter(pk=board.approved.pk).update(reply_count=40)
    call_command("recount_board")
    forums.a.refresh_from_db()
    board.approved.refresh_from_db()
    assert (forums.a.thread_count, forums.a.post_count, board.approved.reply_count) == (1, 2, 1)


def test_admin_assigns_moderators(client, people, forums):
    client.force_login(people.admin)
    url = reverse("admin:board_forum_change", args=[forums.b.pk])
    data = {"name": forums.b.name, "slug": forums.b.slug, "description": ""}
    assert client.post(url, {**data, "moderators": [people.member_b.pk]}).status_code == 302
    member_b = type(people.member_b).objects.get(pk=people.member_b.pk)
    assert permissions.can_moderate(member_b, forums.b)
    assert member_b.groups.filter(name=roles.MODERATORS).exists()
    assert client.post(url, {**data, "moderators": []}).status_code == 302
    member_b = type(people.member_b).objects.get(pk=people.member_b.pk)
    assert not permissions.can_moderate(member_b, forums.b)
    assert not member_b.groups.filter(name=roles.MODERATORS).exists()


def test_opening_a_thread_marks_its_notifications_read(client, people, forums, moderator,
                                                       django_capture_on_commit_callbacks):
    thread = services.start_thread(forums.a, author=people.member_a, title="Van parked again", body="x")
    other = services.start_thread(forums.a, author=people.member_a, title="Another matter", body="y")
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_thread(thread, by=moderator)
        services.approve_thread(other, by=moderator)
    unread = Notification.objects.filter(user=people.member_a, read_at__isnull=True)
    assert unread.count() == 2
    client.force_login(people.member_a)
    assert client.get(f"{thread.get_absolute_url()}?page=1").status_code == 200
    # Only the notification about this thread: the other stays for the dashboard.
    assert list(unread.values_list("url", flat=True)) == [other.get_absolute_url()]
    assert "was approved and is now visible" in client.get(reverse("dashboard")).content.decode()
    # Another reader opening the thread leaves the author's notifications alone.
    client.force_login(people.lead_a)
    client.get(other.get_absolute_url())
    assert unread.count() == 1
    # Seeing a decision is audited once, not on every later visit.
    client.force_login(people.member_a)
    client.get(thread.get_absolute_url())
    seen = AuditEntry.objects.filter(action="notification.read", actor=people.member_a)
    assert [(entry.data["url"], entry.data["count"]) for entry in seen] == [(thread.get_absolute_url(), 1)]


def test_the_reply_address_answers_only_posts(client, people, board, moderator):
    services.set_thread_flag(board.approved, by=moderator, flag="locked", value=True)
    client.force_login(people.member_a)
    url = reverse("board:reply", args=[board.approved.pk])
    assert client.get(url).status_code == 405
    assert client.post(url, {"body": "Still here"}).status_code == 403


def test_a_link_to_a_post_opens_nothing_if_the_post_is_in_another_thread(client, people, board):
    client.force_login(people.member_a)
    stranger = board.pending.posts.get()
    assert client.get(f"{board.approved.get_absolute_url()}?post={stranger.pk}").status_code == 404


def test_editing_says_whether_a_rejected_thread_went_back_to_the_queue(people, forums, moderator):
    thread = services.start_thread(forums.a, author=people.member_a, title="Buy my alarms", body="Cheap alarms!")
    services.reject_thread(thread, by=moderator, reason="No advertising.")
    first = Post.objects.select_related("thread").get(thread=thread)
    # A moderator's edit keeps it rejected; the author's own edit resubmits it.
    assert services.edit_post(first, by=moderator, body="Edited by a moderator").resubmitted is False
    assert first.thread.status == Thread.Status.REJECTED
    edit = services.edit_post(first, by=people.member_a, body="What alarms work?", title="Alarm tips")
    assert edit.resubmitted is True and edit.post == first
    assert Thread.objects.get(pk=thread.pk).status == Thread.Status.PENDING
    assert services.edit_post(first, by=people.member_a, body="Still waiting").resubmitted is False


def test_a_reason_on_several_lines_still_makes_a_one_line_subject(people, forums, moderator,
                                                                  django_capture_on_commit_callbacks):
    thread = services.start_thread(forums.a, author=people.member_a, title="Buy my alarms", body="Cheap alarms!")
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_thread(thread, by=moderator, reason="No advertising.\nRead the house rules " + "x" * 200)
    (message,) = mail.outbox
    assert message.subject.startswith("[The Hub] Your thread “Buy my alarms” was not approved: No advertising. Read")
    assert "\n" not in message.subject and len(message.subject) <= len("[The Hub] ") + services.SUBJECT_LENGTH
    assert "Read the house rules" in message.body


def test_the_queue_pages_its_threads_and_reports_apart(client, people, board, forums, moderator):
    for n in range(21):
        services.start_thread(forums.a, author=people.member_a, title=f"Waiting {n}", body="x")
    client.force_login(moderator)
    page = client.get(reverse("board:queue")).content.decode()
    assert 'aria-label="Pages of waiting threads"' in page and 'href="?threads=2"' in page
    assert 'aria-label="Pages of open reports"' not in page  # one report: one page, no links
    page = client.get(f"{reverse('board:queue')}?threads=2").content.decode()
    assert "Page 2 of 2" in page and 'href="?threads=1"' in page


def test_a_title_and_reason_with_line_breaks_never_break_the_decision_emails(client, people, forums, moderator,
                                                                           django_capture_on_commit_callbacks):
    client.force_login(people.member_a)
    client.post(reverse("board:thread_create", args=[forums.a.slug]),
                {"title": "Buy my alarms\r\nBcc: everyone@example.org", "body": "Cheap alarms!"})
    rejected = Thread.objects.get()
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("board:thread_reject", args=[rejected.pk]),
                               {"reason": "No advertising.\r\nSubject: you won"})
    assert response.status_code == 302
    approved = services.start_thread(forums.a, author=people.member_a, title="Van\rparked\nagain", body="x")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("board:thread_approve", args=[approved.pk])).status_code == 302
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert "\r" not in message.subject and "\n" not in message.subject
        message.message()  # the whole message renders: no header injection, no BadHeaderError
    assert "Bcc" not in mail.outbox[0].extra_headers and mail.outbox[0].bcc == []
