"""Board actions that touch several objects: each runs in one transaction and keeps the counters right.

Every moderator action writes an audit entry carrying the forum's id, which the forum's moderation log lists.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.template.loader import render_to_string
from django.utils import timezone

from audit.services import record
from common.actions import ActionRefused
from common.text import email_subject
from messaging.board import permissions, quotes, selectors, signals
from messaging.board.models import Forum, Post, PostRevision, ProposedEdit, Report, Thread

# The decision e-mail's subject is the on-site message, cut to this length.
SUBJECT_LENGTH = 120


class BoardError(ActionRefused):
    """An action that can't be done in the object's current state; the message says why."""


def open_sector_forum(sector) -> Forum:
    """Every sector has a forum, named after it (the seeded sectors' forums come from a data migration)."""
    forum, _ = Forum.objects.get_or_create(
        sector=sector, defaults={"slug": sector.slug, "name": sector.name, "description": sector.description},
    )
    return forum


def _audit(by, action: str, target, forum: Forum, reason: str = "", **data) -> None:
    record(by, f"board.{action}", target, reason=reason, forum=forum.pk, **data)


def _touch_forum(forum_id: int, *, threads: int = 0, posts: int = 0, when=None) -> None:
    # Never below zero, even if a counter has drifted (the recount command puts it right).
    updates = {"thread_count": Greatest(F("thread_count") + threads, 0),
               "post_count": Greatest(F("post_count") + posts, 0)}
    if when is not None:
        updates["last_activity_at"] = when
    Forum.objects.filter(pk=forum_id).update(**updates)


def _notify(thread: Thread, message: str, *, decision: str, by) -> None:
    """On-site notification now (signals.thread_decided: the notifications app writes it); the e-mail once the
    decision is committed."""
    if thread.author is None:
        return
    signals.thread_decided.send(sender=Thread, thread=thread, recipient=thread.author, decision=decision,
                                text=message, url=thread.get_absolute_url(), by=by)
    context = {"user": thread.author, "message": message, "url": settings.SITE_URL + thread.get_absolute_url()}
    # robust: a mail server that refuses must not turn the moderator's committed decision into an error page
    # (the decision stands, and the author also has the notification above).
    transaction.on_commit(lambda: send_mail(
        subject=email_subject(message, length=SUBJECT_LENGTH),
        message=render_to_string("board/email/thread_decision.txt", context),
        from_email=None, recipient_list=[thread.author.email],
    ), robust=True)


@transaction.atomic
def start_thread(forum: Forum, *, author, title: str, body: str) -> Thread:
    now = timezone.now()
    approved = permissions.starts_approved(author, forum)
    thread = Thread.objects.create(
        forum=forum, title=title, author=author, created_at=now, last_activity_at=now,
        status=Thread.Status.APPROVED if approved else Thread.Status.PENDING,
    )
    post = Post.objects.create(thread=thread, author=author, body=body, created_at=now)
    signals.thread_started.send(sender=Thread, thread=thread)
    if approved:
        _touch_forum(forum.pk, threads=1, posts=1, when=now)
        signals.post_created.send(sender=Post, post=post, thread=thread, first=True)
    return thread


@transaction.atomic
def reply(thread: Thread, *, author, body: str) -> Post:
    thread = Thread.objects.select_for_update(of=("self",)).get(pk=thread.pk)
    if not permissions.can_reply(author, thread):
        raise BoardError(permissions.LOCKED_MESSAGE if thread.locked else "You can't reply here.")
    now = timezone.now()
    body = quotes.references_for_copies(thread, body)
    post = Post.objects.create(thread=thread, author=author, body=body, created_at=now)
    Thread.objects.filter(pk=thread.pk).update(reply_count=F("reply_count") + 1, last_activity_at=now)
    _touch_forum(thread.forum_id, posts=1, when=now)
    signals.post_created.send(sender=Post, post=post, thread=thread, first=False)
    return post


@dataclass(frozen=True)
class PostEdit:
    """What edit_post did, for the view to tell the author."""

    post: Post
    resubmitted: bool  # the author edited their rejected thread, which is back in the moderators' queue
    # The edit waits for a moderator; until then readers see the approved version (None: it shows now).
    proposal: ProposedEdit | None = None

    @property
    def awaiting_review(self) -> bool:
        return self.proposal is not None


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.strip().splitlines()]


def is_material(post: Post, *, title: str, body: str) -> bool:
    """A change readers would notice: any change to the thread's title, or to the post's text other than runs of
    spaces within a line. A line break is material: in Markdown it can turn words into a heading or a sentence
    into a hidden link definition."""
    return title != post.thread.title or _lines(body) != _lines(post.body)


def _apply_edit(post: Post, *, edited_by, body: str, title: str | None) -> list[str]:
    """Replace the post's text (and the thread's title), keeping what they were in the post's history; when the
    forum's readers see the post, say so (signals.post_edited: a mention added by the edit is told). Returns the
    thread fields changed, for the caller to save."""
    thread = post.thread
    PostRevision.objects.create(post=post, body=post.body, title=thread.title if title is not None else "",
                                edited_by=edited_by)
    previous_html = post.body_html
    post.body = body
    post.edited_at = timezone.now()
    post.save(update_fields=["body", "edited_at"])
    if thread.is_approved and not post.hidden:
        signals.post_edited.send(sender=Post, post=post, thread=thread, previous_html=previous_html)
    if title is not None and title != thread.title:
        thread.title = title
        return ["title"]
    return []


def _propose(post: Post, *, by, title: str, body: str) -> ProposedEdit:
    """Hold a member's material edit for the moderators; their next edit replaces the one still waiting."""
    proposal = post.proposed_edits.filter(status=ProposedEdit.Status.PENDING).first()
    if proposal is None:
        proposal = ProposedEdit.objects.create(post=post, title=title, body=body, proposed_by=by)
    else:
        proposal.title, proposal.body, proposal.proposed_at = title, body, timezone.now()
        proposal.save(update_fields=["title", "body", "proposed_at"])
    _audit(by, "edit.propose", post.thread, post.thread.forum, post=post.pk, edit=proposal.pk)
    return proposal


def _withdraw_waiting_edit(post: Post, *, by) -> None:
    """The author put the approved text back (or nearly): nothing is left for the moderators to decide."""
    for proposal in post.proposed_edits.filter(status=ProposedEdit.Status.PENDING):
        proposal.status, proposal.decided_by, proposal.decided_at = (ProposedEdit.Status.WITHDRAWN, by,
                                                                     timezone.now())
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
        _audit(by, "edit.withdraw", post.thread, post.thread.forum, post=post.pk, edit=proposal.pk)


@transaction.atomic
def edit_post(post: Post, *, by, body: str, title: str | None = None) -> PostEdit:
    """Edit a post, keeping the previous text in its history.

    - A member's material edit (see ``is_material``) of an approved thread's opening post or title is held
      as a ProposedEdit for the forum's moderators: readers keep the approved version until one approves it.
    - Everything else shows at once: replies, white-space-only changes, threads not yet approved (nobody
      else reads them), and edits by the forum's moderators and officers. A rejected thread edited by its
      author goes back into the queue.
    """
    post = Post.objects.select_for_update(of=("self",)).select_related("thread__forum").get(pk=post.pk)
    thread = post.thread
    body = quotes.references_for_copies(thread, body)
    if permissions.edit_needs_review(by, post, first=selectors.is_first_post(post)):
        proposed_title = thread.title if title is None else title
        if is_material(post, title=proposed_title, body=body):
            return PostEdit(post=post, resubmitted=False,
                            proposal=_propose(post, by=by, title=proposed_title, body=body))
        _withdraw_waiting_edit(post, by=by)
    changed = _apply_edit(post, edited_by=by, body=body, title=title)
    resubmitted = thread.status == Thread.Status.REJECTED and by.pk == thread.author_id
    if resubmitted:
        thread.status = Thread.Status.PENDING
        changed.append("status")
    if changed:
        thread.save(update_fields=changed)
    if by.pk != post.author_id:
        _audit(by, "post.edit", post, thread.forum)
    return PostEdit(post=post, resubmitted=resubmitted)


def _require_moderator(by, forum: Forum) -> None:
    # Views have checked in their loader, but services are also called directly (the demo, other apps' code).
    if not permissions.can_moderate(by, forum):
        raise BoardError("You don't moderate this forum.")


def _moderated_thread(thread: Thread, by) -> Thread:
    thread = Thread.objects.select_for_update(of=("self",)).select_related("forum", "author").get(pk=thread.pk)
    _require_moderator(by, thread.forum)
    return thread


@transaction.atomic
def approve_thread(thread: Thread, *, by) -> Thread:
    thread = _moderated_thread(thread, by)
    if thread.status != Thread.Status.PENDING:
        raise BoardError(f"This thread is already {thread.get_status_display().lower()}; nothing was changed.")
    now = timezone.now()
    thread.status, thread.rejection_reason, thread.last_activity_at = Thread.Status.APPROVED, "", now
    thread.save(update_fields=["status", "rejection_reason", "last_activity_at"])
    _touch_forum(thread.forum_id, threads=1, posts=1 + thread.reply_count, when=now)
    _audit(by, "thread.approve", thread, thread.forum)
    _notify(thread, f"Your thread “{thread.title}” was approved and is now visible in {thread.forum.name}.",
            decision=signals.THREAD_APPROVED, by=by)
    # Its opening post is new to the forum's readers now (those watching the forum are told; mentions count).
    opening = thread.posts.select_related("author").order_by("created_at", "id").first()
    if opening is not None:
        signals.post_created.send(sender=Post, post=opening, thread=thread, first=True)
    return thread


@transaction.atomic
def reject_thread(thread: Thread, *, by, reason: str) -> Thread:
    if not reason.strip():
        raise BoardError("Tell the author why, so they can put it right.")
    thread = _moderated_thread(thread, by)
    if thread.status != Thread.Status.PENDING:
        raise BoardError(f"This thread is already {thread.get_status_display().lower()}; nothing was changed.")
    thread.status, thread.rejection_reason = Thread.Status.REJECTED, reason
    thread.save(update_fields=["status", "rejection_reason"])
    _audit(by, "thread.reject", thread, thread.forum, reason=reason)
    _notify(thread, f"Your thread “{thread.title}” was not approved: {reason}", decision=signals.THREAD_REJECTED,
            by=by)
    return thread


def _moderated_edit(proposal: ProposedEdit, by) -> ProposedEdit:
    proposal = (ProposedEdit.objects.select_for_update(of=("self",))
                .select_related("post__thread__forum", "post__thread__author", "proposed_by").get(pk=proposal.pk))
    _require_moderator(by, proposal.post.thread.forum)
    if not proposal.is_pending:
        raise BoardError(f"This edit is already {proposal.get_status_display().lower()}; nothing was changed.")
    return proposal


@transaction.atomic
def approve_edit(proposal: ProposedEdit, *, by) -> ProposedEdit:
    """The held edit replaces the approved version; the text it replaces goes into the post's history,
    replaced by its author."""
    proposal = _moderated_edit(proposal, by)
    post = (Post.objects.select_for_update(of=("self",)).select_related("thread__forum", "thread__author")
            .get(pk=proposal.post_id))
    thread = post.thread
    changed = _apply_edit(post, edited_by=proposal.proposed_by, body=proposal.body, title=proposal.title)
    if changed:
        thread.save(update_fields=changed)
    proposal.status, proposal.decided_by, proposal.decided_at = ProposedEdit.Status.APPROVED, by, timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    _audit(by, "edit.approve", thread, thread.forum, post=post.pk, edit=proposal.pk)
    _notify(thread, f"Your edit to “{thread.title}” was approved and is now visible in {thread.forum.name}.",
            decision=signals.EDIT_APPROVED, by=by)
    return proposal


@transaction.atomic
def reject_edit(proposal: ProposedEdit, *, by, reason: str) -> ProposedEdit:
    """The approved version stays; the author reads why."""
    if not reason.strip():
        raise BoardError("Tell the author why, so they can put it right.")
    proposal = _moderated_edit(proposal, by)
    proposal.status, proposal.decided_by, proposal.decided_at = ProposedEdit.Status.REJECTED, by, timezone.now()
    proposal.reason = reason
    proposal.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    thread = proposal.post.thread
    _audit(by, "edit.reject", thread, thread.forum, reason=reason, post=proposal.post_id, edit=proposal.pk)
    _notify(thread, f"Your edit to “{thread.title}” was not approved: {reason}", decision=signals.EDIT_REJECTED,
            by=by)
    return proposal


@transaction.atomic
def set_thread_flag(thread: Thread, *, by, flag: str, value: bool, reason: str = "") -> Thread:
    """Lock/unlock and pin/unpin; the reason, if given, goes into the forum's moderation log."""
    if flag not in {"locked", "pinned"}:
        raise ValueError(flag)
    thread = _moderated_thread(thread, by)
    if getattr(thread, flag) != value:
        setattr(thread, flag, value)
        thread.save(update_fields=[flag])
        action = {("locked", True): "lock", ("locked", False): "unlock",
                  ("pinned", True): "pin", ("pinned", False): "unpin"}[(flag, value)]
        _audit(by, f"thread.{action}", thread, thread.forum, reason=reason)
    return thread


@transaction.atomic
def move_thread(thread: Thread, *, by, to: Forum, reason: str = "") -> Thread:
    """Move a thread (and its counts) to another forum the moderator moderates; both forums' logs record it,
    with the reason if given."""
    thread = _moderated_thread(thread, by)
    if not permissions.can_moderate(by, to):
        raise BoardError("You can only move threads to forums you moderate.")
    if to.pk == thread.forum_id:
        raise BoardError("The thread is already in that forum.")
    source = thread.forum
    if thread.is_approved:
        posts = 1 + thread.reply_count
        _touch_forum(source.pk, threads=-1, posts=-posts)
        _touch_forum(to.pk, threads=1, posts=posts, when=timezone.now())
    thread.forum = to
    thread.save(update_fields=["forum"])
    latest = (Thread.objects.approved().filter(forum=source).order_by("-last_activity_at")
              .values_list("last_activity_at", flat=True).first())
    Forum.objects.filter(pk=source.pk).update(last_activity_at=latest)
    # The forums' names as they were, so the logs read "Moved to Retail" without looking them up.
    _audit(by, "thread.move", thread, source, reason=reason, to=to.pk, to_name=to.name)
    _audit(by, "thread.move", thread, to, reason=reason, source=source.pk, source_name=source.name)
    return thread


@transaction.atomic
def set_post_hidden(post: Post, *, by, hidden: bool, reason: str = "") -> Post:
    post = Post.objects.select_for_update(of=("self",)).select_related("thread__forum").get(pk=post.pk)
    _require_moderator(by, post.thread.forum)
    if post.hidden != hidden:
        post.hidden, post.hidden_reason = hidden, reason if hidden else ""
        post.save(update_fields=["hidden", "hidden_reason"])
        _audit(by, "post.hide" if hidden else "post.unhide", post, post.thread.forum, reason=reason)
    return post


def report_post(post: Post, *, by, reason: str) -> Report:
    try:
        with transaction.atomic():
            return Report.objects.create(post=post, reporter=by, reason=reason)
    except IntegrityError as error:
        raise BoardError("You have already reported this post; the moderators have it.") from error


@transaction.atomic
def resolve_report(report: Report, *, by, outcome: str, kind: str = "") -> Report:
    """Close a report with what was done (``kind``, one of Report.Outcome) and the moderator's note."""
    if kind and kind not in Report.Outcome.values:
        raise BoardError("Choose what was done about the report.")
    report = Report.objects.select_for_update(of=("self",)).select_related("post__thread__forum").get(pk=report.pk)
    forum = report.post.thread.forum
    _require_moderator(by, forum)
    if report.status == Report.Status.RESOLVED:
        raise BoardError("This report is already resolved.")
    report.status, report.resolved_by, report.resolved_at = Report.Status.RESOLVED, by, timezone.now()
    report.outcome, report.outcome_kind = outcome, kind
    report.save(update_fields=["status", "resolved_by", "resolved_at", "outcome", "outcome_kind"])
    _audit(by, "report.resolve", report.post, forum, reason=outcome, report=report.pk, outcome=kind)
    return report

