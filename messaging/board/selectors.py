"""Reads for the board's pages; each query's cost is independent of how many rows the board holds."""

from django.db.models import Count, Q, QuerySet

from accounts import roles
from audit.models import AuditEntry
from messaging.board import permissions
from messaging.board.models import Forum, Post, Report, Thread
from sectors.permissions import approved_sector_ids, is_approved_member


def readable_forums(user) -> QuerySet[Forum]:
    if not user.is_authenticated:
        return Forum.objects.none()
    if user.is_superuser:
        return Forum.objects.all()
    condition = Q(sector_id__in=approved_sector_ids(user)) | Q(pk__in=permissions.moderated_forum_ids(user))
    if roles.is_officer(user) or is_approved_member(user):
        condition |= Q(sector__isnull=True)
    return Forum.objects.filter(condition)


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




def unread_notifications(user) -> QuerySet:
    return user.notifications.filter(read_at__isnull=True)[:10]
