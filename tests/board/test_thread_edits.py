"""Editing an approved thread: a member's material change to its title or opening post goes back to the
moderators, and readers keep the approved version until one approves it; replies and role holders' edits show
at once."""

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditEntry
from messaging.board import services
from messaging.board.models import Post, PostRevision, ProposedEdit, Thread

pytestmark = pytest.mark.django_db


def _edit(client, user, post, **data):
    client.force_login(user)
    return client.post(reverse("board:post_edit", args=[post.pk]), data, follow=True)


def test_a_members_edit_of_an_approved_thread_waits_and_readers_keep_the_approved_version(
        client, people, board, django_capture_on_commit_callbacks):
    mail.outbox.clear()  # the thread's own approval
    response = _edit(client, people.member_a, board.first_post, title="SCAM: call 0800 000 000",
                     body="Send your card numbers to 0800 000 000.")
    assert "waiting for a moderator" in response.content.decode()

    # Everyone else still reads the approved version; the author is told theirs is waiting.
    thread = Thread.objects.get(pk=board.approved.pk)
    assert thread.title == "Thefts on the high street"
    client.force_login(people.lead_a)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Thefts on the high street" in page and "0800" not in page
    client.force_login(people.member_a)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Your edit is waiting for a moderator" in page and "0800" not in page
    # Editing again starts from what they proposed.
    form = client.get(reverse("board:post_edit", args=[board.first_post.pk])).content.decode()
    assert "SCAM: call 0800 000 000" in form

    # The moderators have it in their queue (and counted in the navigation), with the old and the new text.
    client.force_login(people.moderator_a)
    queue = client.get(reverse("board:queue")).content.decode()
    assert "SCAM: call 0800 000 000" in queue and "Send your card numbers" in queue
    assert 'id="moderation-count" class="badge text-bg-warning">3<' in queue  # thread, edit, report
    edit = ProposedEdit.objects.get()
    assert (edit.status, edit.proposed_by, edit.post) == ("pending", people.member_a, board.first_post)
    assert AuditEntry.objects.filter(action="board.edit.propose", actor=people.member_a).exists()

    # Approved: readers see it, the old version goes into the post's history, the author is told.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("board:edit_approve", args=[edit.pk]), follow=True)
    assert "Edit approved" in response.content.decode()
    thread.refresh_from_db()
    board.first_post.refresh_from_db()
    assert (thread.title, board.first_post.body) == ("SCAM: call 0800 000 000",
                                                     "Send your card numbers to 0800 000 000.")
    revision = PostRevision.objects.get(post=board.first_post)
    assert (revision.title, revision.body) == ("Thefts on the high street", "Two **distraction** thefts this week.")
    assert AuditEntry.objects.filter(action="board.edit.approve", actor=people.moderator_a).exists()
    assert [m.to for m in mail.outbox] == [[people.member_a.email]]
    client.force_login(people.lead_a)
    assert "0800 000 000" in client.get(thread.get_absolute_url()).content.decode()


def test_a_rejected_edit_leaves_the_approved_version_and_tells_the_author_why(
        client, people, board, django_capture_on_commit_callbacks):
    mail.outbox.clear()  # the thread's own approval
    _edit(client, people.member_a, board.first_post, title="Thefts on the high street",
          body="Buy my alarms at example.com")
    edit = ProposedEdit.objects.get()
    client.force_login(people.moderator_a)
    page = client.get(reverse("board:edit_reject", args=[edit.pk])).content.decode()
    assert "Buy my alarms" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("board:edit_reject", args=[edit.pk]), {"reason": "No advertising.\r\nBcc: x@example.org"})
    edit.refresh_from_db()
    assert (edit.status, edit.decided_by, edit.reason) == ("rejected", people.moderator_a,
                                                           "No advertising.\r\nBcc: x@example.org")
    board.first_post.refresh_from_db()
    assert board.first_post.body == "Two **distraction** thefts this week."
    assert not PostRevision.objects.exists()
    assert AuditEntry.objects.filter(action="board.edit.reject", reason__startswith="No advertising.").exists()
    (message,) = mail.outbox
    assert "\n" not in message.subject and "\r" not in message.subject and "not approved" in message.subject
    # A decided edit can't be decided again.
    response = client.post(reverse("board:edit_approve", args=[edit.pk]), follow=True)
    assert "already" in response.content.decode()
    board.first_post.refresh_from_db()
    assert board.first_post.body == "Two **distraction** thefts this week."


def test_what_is_not_material_and_who_is_trusted_shows_at_once(people, board, forums):
    first = board.first_post
    # Spaces only, same title: at once (the earlier text is still kept).
    outcome = services.edit_post(first, by=people.member_a, title="Thefts on the high street",
                                 body="Two  **distraction** thefts this week.  ")
    assert outcome.awaiting_review is False
    first.refresh_from_db()
    assert first.body == "Two  **distraction** thefts this week.  "
    # A reply: at once.
    reply = services.reply(board.approved, author=people.member_a, body="Update: caught on camera.")
    assert services.edit_post(reply, by=people.member_a, body="Update: the police have it.").awaiting_review is False
    # The forum's moderator and an officer: at once, title included.
    services.edit_post(first, by=people.moderator_a, title="Thefts on the High Street", body="Moderated.")
    officer_thread = services.start_thread(forums.hub, author=people.officer, title="Summit", body="Agenda")
    officer_first = officer_thread.posts.get()
    assert services.edit_post(officer_first, by=people.officer, title="Summit moved", body="New agenda"
                              ).awaiting_review is False
    assert Thread.objects.get(pk=officer_thread.pk).title == "Summit moved"
    assert Thread.objects.get(pk=board.approved.pk).title == "Thefts on the High Street"
    assert not ProposedEdit.objects.exists()
    # A thread still waiting for approval is edited in place: nobody else reads it yet.
    pending_first = board.pending.posts.get()
    assert services.edit_post(pending_first, by=people.member_a, title="Skimmers found", body="Two now."
                              ).awaiting_review is False
    assert Thread.objects.get(pk=board.pending.pk).title == "Skimmers found"


def test_any_title_change_is_material_and_a_second_edit_replaces_the_waiting_one(people, board):
    first = board.first_post
    assert services.edit_post(first, by=people.member_a, title="Thefts on the High Street",
                              body=first.body).awaiting_review is True
    assert services.edit_post(first, by=people.member_a, title="Thefts on the high street",
                              body="Three thefts now.").awaiting_review is True
    (edit,) = ProposedEdit.objects.filter(status="pending")
    assert (edit.title, edit.body) == ("Thefts on the high street", "Three thefts now.")
    # Putting the approved text back withdraws what was waiting.
    services.edit_post(first, by=people.member_a, title="Thefts on the high street", body=first.body)
    assert not ProposedEdit.objects.filter(status="pending").exists()


def test_only_the_forums_moderators_decide_an_edit(people, board):
    outcome = services.edit_post(board.first_post, by=people.member_a, title="Changed", body="Changed")
    with pytest.raises(services.BoardError):
        services.approve_edit(outcome.proposal, by=people.lead_a)
    with pytest.raises(services.BoardError):
        services.reject_edit(outcome.proposal, by=people.member_a, reason="No")
    assert Thread.objects.get(pk=board.approved.pk).title == "Thefts on the high street"


@pytest.mark.parametrize(("before", "after"), [
    ("Call us. # URGENT call 0800 000 000", "Call us.\n# URGENT call 0800 000 000"),  # a heading appears
    ("Log in at the [bank portal][1]. [1]: https://evil.example",
     "Log in at the [bank portal][1].\n\n[1]: https://evil.example"),  # the address disappears behind a link
])
def test_a_line_break_alone_is_material_in_markdown(people, board, before, after):
    title = board.approved.title
    services.edit_post(board.first_post, by=people.moderator_a, title=title, body=before)  # shows at once
    first = Post.objects.select_related("thread").get(pk=board.first_post.pk)
    assert services.edit_post(first, by=people.member_a, title=title, body=after).awaiting_review is True
