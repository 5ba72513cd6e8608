"""Reads for the board's pages; each query's cost is independent of how many rows the board holds."""

from django.db.models import Count, Q, QuerySet

from audit.models import AuditEntry
from messaging.board import permissions
from messaging.board.models import Forum, Notification, Post, PostRevision, Report, Thread


def readable_forums(user) -> QuerySet[Forum]:
    """The forums permissions.can_read allows, as a query: both apply the one rule in permissions.ReadAccess."""
    access = permissions.read_access(user)
    if not access.any_forum:
        return Forum.objects.none()
    return Forum.objects.filter(access.condition())


def forum_index(user) -> QuerySet[Forum]:
    return readable_forums(user).select_related("sector")


def forum_threads(forum: Forum) -> QuerySet[Thread]:
    """The forum's approved threads, pinned first: one index range, however busy the forum."""
    return Thread.objects.approved().filter(forum=forum).select_related("author")


def forum_unapproved(user, forum: Forum, limit: int = 20) -> QuerySet[Thread]:
    """Listed apart from the page: the user's own pending or rejected threads, and (moderators) all pending."""
    unapproved = Thread.objects.filter(forum=forum).exclude(status=Thread.Status.APPROVED)
    if permissions.can_moderate(user, forum):
        unapproved = unapproved.filter(Q(status=Thread.Status.PENDING) | Q(author=user))
    else:
        unapproved = unapproved.filter(author=user)
    return unapproved.select_related("author").order_by("-created_at", "-id")[:limit]


def thread_posts(thread: Thread) -> QuerySet[Post]:
    return (thread.posts.select_related("author__organisation")
            .annotate(revision_count=Count("revisions")).order_by("created_at", "id"))


def moderation_queue(user) -> tuple[QuerySet[Thread], QuerySet[Report]]:
    forum_ids = permissions.moderated_forum_ids(user)
    threads = (Thread.objects.pending().filter(forum_id__in=forum_ids)
               .select_related("forum", "author").order_by("created_at", "id"))
    reports = (Report.objects.filter(status=Report.Status.OPEN, post__thread__forum_id__in=forum_ids)
               .select_related("post__thread__forum", "post__author", "reporter").order_by("created_at", "id"))
    return threads, reports


def moderation_count(user) -> int:
    forum_ids = permissions.moderated_forum_ids(user)
    if not forum_ids:
        return 0
    return (Thread.objects.pending().filter(forum_id__in=forum_ids).count()
            + Report.objects.filter(status=Report.Status.OPEN, post__thread__forum_id__in=forum_ids).count())


def moderation_log(forum: Forum) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(action__startswith="board.", data__forum=forum.pk).select_related("actor")


def recent_threads(limit: int = 5, **forum_filter) -> QuerySet[Thread]:
    """The latest approved threads in the forums the filter picks, e.g. forum_id__in=... or forum__sector=..."""
    return (Thread.objects.approved().filter(**forum_filter)
            .select_related("forum").order_by("-last_activity_at", "-id")[:limit])


def my_reports(user, posts) -> set[int]:
    return set(Report.objects.filter(reporter=user, post__in=posts).values_list("post_id", flat=True))


def post_revisions(post: Post) -> QuerySet[PostRevision]:
    """The texts a post had before each edit, latest first, with who replaced them."""
    return post.revisions.select_related("edited_by")


def is_first_post(post: Post) -> bool:
    """The thread's opening post carries its title; editing it may edit the title too."""
    first = Post.objects.filter(thread_id=post.thread_id).order_by("created_at", "id").values_list("pk", flat=True)
    return first.first() == post.pk


def page_of_post(thread: Thread, post_id: int, *, per_page: int) -> int | None:
    """The page of the thread a post is on (counting from 1), or None if the thread has no such post."""
    post = thread.posts.filter(pk=post_id).first()
    if post is None:
        return None
    before = thread.posts.filter(created_at__lt=post.created_at).count()
    return before // per_page + 1


def move_destinations(user, thread: Thread) -> QuerySet[Forum]:
    """The other forums this moderator may move the thread to: those they moderate too."""
    return Forum.objects.filter(pk__in=permissions.moderated_forum_ids(user)).exclude(pk=thread.forum_id)


def unread_notifications(user) -> QuerySet[Notification]:
    return user.notifications.filter(read_at__isnull=True)[:10]
