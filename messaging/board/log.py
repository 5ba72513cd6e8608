"""The forum's moderation log in words: "Moved to Retail by Sam Moderator", "Post #5 in “Thefts on the high
street”", from the audit entries the services write (audit.record; each carries the forum's id).

A page of entries is described with two queries however many entries it shows: the threads and the posts it
names (with their place in their thread). Moves record the forums' names; only a page with moves logged before
they did asks for the forums too. What no longer exists reads as the audit entry recorded it then."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, OuterRef, Q, Subquery

from audit.models import AuditEntry
from messaging.board.models import Forum, Post, Report, Thread

# What each action did, as the log says it, before "by <who>".
DONE = {
    "thread.approve": "Approved", "thread.reject": "Rejected", "thread.lock": "Locked", "thread.unlock": "Unlocked",
    "thread.pin": "Pinned", "thread.unpin": "Unpinned", "post.hide": "Hidden", "post.unhide": "Shown again",
    "post.edit": "Edited", "edit.propose": "Edit proposed", "edit.approve": "Edit approved",
    "edit.reject": "Edit rejected", "edit.withdraw": "Edit withdrawn", "report.resolve": "Report resolved",
}


@dataclass(frozen=True)
class LogLine:
    when: datetime
    what: str  # the thread or post acted on
    url: str  # its page; empty once it is gone
    action: str  # what was done, and by whom
    reason: str


def _ids(entries: Iterable[AuditEntry], model) -> set[int]:
    content_type = ContentType.objects.get_for_model(model)
    return {int(e.target_id) for e in entries if e.target_type_id == content_type.pk and e.target_id.isdigit()}


def _posts(ids: set[int]) -> dict[int, Post]:
    """The posts with their thread's title and their number in it (1 for the opening post)."""
    if not ids:
        return {}
    earlier = (Post.objects.filter(thread=OuterRef("thread"))
               .filter(Q(created_at__lt=OuterRef("created_at"))
                       | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk")))
               .order_by().values("thread").annotate(count=Count("pk")).values("count"))
    posts = (Post.objects.filter(pk__in=ids).select_related("thread").only("pk", "thread__title", "created_at")
             .annotate(earlier=Subquery(earlier)))
    return {post.pk: post for post in posts}


def describe(entries: list[AuditEntry]) -> list[LogLine]:
    post_type, thread_type = ContentType.objects.get_for_model(Post), ContentType.objects.get_for_model(Thread)
    threads = {t.pk: t for t in Thread.objects.filter(pk__in=_ids(entries, Thread)).only("pk", "title")}
    posts = _posts(_ids(entries, Post))
    # Moves record the forums' names; older entries only their ids.
    forum_ids = {e.data.get(key) for e in entries for key in ("to", "source")
                 if e.action == "board.thread.move" and key in e.data and f"{key}_name" not in e.data}
    forums = dict(Forum.objects.filter(pk__in={i for i in forum_ids if isinstance(i, int)})
                  .values_list("pk", "name")) if forum_ids else {}
    outcomes = dict(Report.Outcome.choices)
    lines = []
    for entry in entries:
        action = entry.action.removeprefix("board.")
        who = (entry.actor.display_name if entry.actor else "") or entry.actor_repr or "the system"
        done = DONE.get(action, action)
        if action == "thread.move":
            if "to" in entry.data:
                done = f"Moved to {entry.data.get('to_name') or forums.get(entry.data['to'], 'another forum')}"
            else:
                source = entry.data.get("source_name") or forums.get(entry.data.get("source"), "another forum")
                done = f"Moved here from {source}"
        elif action == "report.resolve" and entry.data.get("outcome") in outcomes:
            done = f"Report resolved ({outcomes[entry.data['outcome']]})"
        what, url = entry.target_repr, ""
        target = int(entry.target_id) if entry.target_id.isdigit() else None
        if entry.target_type_id == post_type.pk and target in posts:
            post = posts[target]
            what, url = f"Post #{(post.earlier or 0) + 1} in “{post.thread.title}”", post.get_absolute_url()
        elif entry.target_type_id == thread_type.pk and target in threads:
            thread = threads[target]
            what, url = f"“{thread.title}”", thread.get_absolute_url()
        lines.append(LogLine(when=entry.created_at, what=what, url=url, action=f"{done} by {who}",
                             reason=entry.reason))
    return lines
