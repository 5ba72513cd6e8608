"""User text on the board never becomes executable markup; page cost does not grow with the board."""

import pytest
from django.core import mail
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from messaging.board import services
from messaging.board.models import Post, Thread
from tests.xss import CORPUS, executable_markup

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("payload", CORPUS)
def test_xss_corpus_through_titles_bodies_and_replies(client, people, forums, payload,
                                                      django_capture_on_commit_callbacks):
    roles.make_moderator(people.moderator_a, forums.a)
    client.force_login(people.member_a)
    client.post(reverse("board:thread_create", args=[forums.a.slug]), {"title": payload, "body": payload})
    thread = Thread.objects.get()
    # Pages that show it while pending: the author's thread page and forum page, the moderators' queue.
    pages = [thread.get_absolute_url(), forums.a.get_absolute_url()]
    client.force_login(people.moderator_a)
    pages_for_moderator = [reverse("board:queue"), thread.get_absolute_url()]
    for url in pages_for_moderator:
        assert executable_markup(client.get(url).content.decode()) == [], url
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_thread(thread, by=people.moderator_a)
    services.reply(thread, author=people.lead_a, body=payload)  # a lead: a role badge beside the payload
    report = services.report_post(thread.posts.last(), by=people.member_a, reason=payload)
    # The author's edit of the approved thread waits for the moderators, who see it beside the approved text.
    edit = services.edit_post(thread.posts.first(), by=people.member_a, title=f"{payload} (edited)"[:200],
                              body=f"{payload}\n\nedited").proposal
    for url in [reverse("board:queue"), reverse("board:edit_reject", args=[edit.pk]), thread.get_absolute_url()]:
        assert executable_markup(client.get(url).content.decode()) == [], url
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_edit(edit, by=people.moderator_a, reason=payload)
    services.resolve_report(report, by=people.moderator_a, outcome=payload)
    assert executable_markup(client.get(reverse("board:log", args=[forums.a.slug])).content.decode()) == []
    services.edit_post(thread.posts.first(), by=people.member_a, title=f"{payload} (again)"[:200], body=payload)
    client.force_login(people.member_a)
    pages += [reverse("dashboard"), reverse("board:forum_list"), reverse("board:post_edit", args=[edit.post_id]),
              reverse("sectors:detail", args=[forums.a.sector.slug])]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert executable_markup(response.content.decode()) == [], url
    # The e-mail telling the author is plain text: the title is there as typed, never as HTML.
    assert mail.outbox and not getattr(mail.outbox[0], "alternatives", None)


def _posts(thread: Thread, author, count: int) -> None:
    now = timezone.now()
    Post.objects.bulk_create(Post(thread=thread, author=author, body=f"Post **{i}**", created_at=now)
                             for i in range(count))
    Thread.objects.filter(pk=thread.pk).update(reply_count=F("reply_count") + count)


def _threads(forum, author, count: int) -> None:
    now = timezone.now()
    Thread.objects.bulk_create(Thread(forum=forum, author=author, title=f"Thread {i}", status="approved",
                                      created_at=now, last_activity_at=now) for i in range(count))


@pytest.mark.parametrize("rows", [10, 500])
@pytest.mark.parametrize("role", ["member_a", "moderator_a"])
def test_board_pages_have_bounded_queries(client, people, forums, board, rows, role,
                                          django_assert_max_num_queries):
    roles.make_moderator(people.moderator_a, forums.a)
    _threads(forums.a, people.lead_a, rows)
    _posts(board.approved, people.lead_a, rows)
    client.force_login(getattr(people, role))
    client.get(reverse("dashboard"))  # the session's first request loads more than later ones
    last_page = f"{board.approved.get_absolute_url()}?page=last"
    urls = [reverse("board:forum_list"), forums.a.get_absolute_url(), f"{forums.a.get_absolute_url()}?page=last",
            board.approved.get_absolute_url(), last_page, reverse("dashboard")]
    if role == "moderator_a":
        urls += [reverse("board:queue"), reverse("board:log", args=[forums.a.slug])]
    for url in urls:
        with django_assert_max_num_queries(12):
            response = client.get(url)
        assert response.status_code == 200, url
    last = client.get(last_page).content.decode()
    assert f"Post <strong>{rows - 1}</strong>" in last
