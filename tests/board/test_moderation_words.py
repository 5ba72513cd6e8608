"""What moderators read and record: the queue shows a waiting thread's text, the log reads in words, lock and
move keep an optional reason, and resolving a report keeps what was done and the note typed."""

import pytest
from django.urls import reverse

from accounts import roles
from audit.models import AuditEntry
from messaging.board.models import Report

pytestmark = pytest.mark.django_db


def test_the_queue_shows_a_waiting_threads_text(client, people, board):
    client.force_login(people.moderator_a)
    page = client.get(reverse("board:queue")).content.decode()
    assert "Skimmers at the tills?" in page and "<p>Found one today.</p>" in page


def test_lock_and_move_record_the_reason_given_and_the_log_reads_in_words(client, people, board, forums):
    roles.make_moderator(people.moderator_a, forums.b)
    client.force_login(people.moderator_a)
    client.post(reverse("board:thread_lock", args=[board.approved.pk]), {"reason": "Heated; cooling off"})
    client.post(reverse("board:post_hide", args=[board.reply.pk]), {"reason": "Names a suspect"})
    client.post(reverse("board:thread_move", args=[board.approved.pk]),
                {"forum": forums.b.pk, "reason": "It is about a bank"})

    assert AuditEntry.objects.get(action="board.thread.lock").reason == "Heated; cooling off"
    assert set(AuditEntry.objects.filter(action="board.thread.move").values_list("reason", flat=True)) == {
        "It is about a bank"}
    log = client.get(reverse("board:log", args=[forums.a.slug])).content.decode()
    assert f"Moved to {forums.b.name} by Moderator A" in log and "It is about a bank" in log
    assert "Locked by Moderator A" in log and "Heated; cooling off" in log
    assert "Post #2 in “Thefts on the high street”" in log and "Hidden by Moderator A" in log
    assert "thread.lock" not in log and "post.hide" not in log
    other = client.get(reverse("board:log", args=[forums.b.slug])).content.decode()
    assert f"Moved here from {forums.a.name} by Moderator A" in other


def test_lock_and_move_without_a_reason_still_work(client, people, board, forums):
    roles.make_moderator(people.moderator_a, forums.b)
    client.force_login(people.moderator_a)
    client.post(reverse("board:thread_lock", args=[board.approved.pk]))
    client.post(reverse("board:thread_move", args=[board.approved.pk]), {"forum": forums.b.pk})
    board.approved.refresh_from_db()
    assert board.approved.locked and board.approved.forum == forums.b


def test_resolving_a_report_records_what_was_done_and_the_note_typed(client, people, board, forums):
    client.force_login(people.moderator_a)
    queue = client.get(reverse("board:queue")).content.decode()
    assert 'name="kind"' in queue and '<option value="hidden">Post hidden</option>' in queue
    client.post(reverse("board:report_resolve", args=[board.report.pk]),
                {"kind": "hidden", "outcome": "Reminded the member of the rules"})
    report = Report.objects.get(pk=board.report.pk)
    assert (report.status, report.outcome_kind, report.outcome) == (
        "resolved", "hidden", "Reminded the member of the rules")
    log = client.get(reverse("board:log", args=[forums.a.slug])).content.decode()
    assert "Report resolved (Post hidden) by Moderator A" in log and "Reminded the member of the rules" in log


def test_a_report_resolved_with_an_unknown_outcome_is_refused(client, people, board):
    client.force_login(people.moderator_a)
    response = client.post(reverse("board:report_resolve", args=[board.report.pk]), {"kind": "deleted"},
                           follow=True)
    assert "Choose what was done" in response.content.decode()
    assert Report.objects.get(pk=board.report.pk).status == "open"


@pytest.mark.parametrize("rows", [5, 60])
def test_the_log_in_words_and_the_queue_with_bodies_have_bounded_queries(client, people, board, forums, rows,
                                                                         django_assert_max_num_queries):
    from messaging.board import services

    roles.make_moderator(people.moderator_a, forums.b)
    for n in range(rows):
        post = services.reply(board.approved, author=people.lead_a, body=f"Reply {n}")
        services.set_post_hidden(post, by=people.moderator_a, hidden=True, reason=f"Reason {n}")
        services.start_thread(forums.a, author=people.member_a, title=f"Waiting {n}", body=f"Body {n}")
    services.move_thread(board.approved, by=people.moderator_a, to=forums.b, reason="Banking")
    client.force_login(people.moderator_a)
    client.get(reverse("dashboard"))
    for url in [reverse("board:log", args=[forums.a.slug]), reverse("board:queue")]:
        with django_assert_max_num_queries(12):
            page = client.get(url).content.decode()
        assert "Post #" in page or "Body 0" in page, url
