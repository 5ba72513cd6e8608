"""Reads of the notifications app: the bell's count (cached), the notifications list, watch levels, and the
forum page's unread markers, each in a bounded number of queries whatever the number of rows."""

import logging
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Case, Count, OuterRef, Q, QuerySet, Subquery, When, Window
from django.db.models.functions import Coalesce, Greatest

from messaging.board.models import Forum, Post, Thread
from messaging.board.selectors import readable_forums
from notifications.models import ForumReadState, Level, Notification, ReadState, Watch

logger = logging.getLogger(__name__)

# The bell's count is kept in the cache until a notification is written or read (``forget_unread``), and this long
# at most: bounds how late a change made elsewhere (the admin, a raw update, a lost access) shows.
UNREAD_TTL = 120


def _unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def visible(user) -> QuerySet[Notification]:
    """The user's notifications they may still follow: those about a thread only while they can read its forum
    (someone who has left a sector no longer hears of its threads, titles included)."""
    forums = readable_forums(user).values("pk")
    return Notification.objects.filter(user=user).filter(Q(thread__isnull=True) | Q(thread__forum_id__in=forums))


def unread(user) -> QuerySet[Notification]:
    return visible(user).filter(read_at__isnull=True)


def unread_count(user) -> int:
    """The number on the bell, on every page: one COUNT (on a partial index of the unread rows), kept in the cache
    until a notification of the user's is written or read; none while cached."""
    if not user.is_authenticated:
        return 0
    try:
        count = cache.get(_unread_key(user.pk))
        if count is None:
            count = unread(user).count()
            cache.set(_unread_key(user.pk), count, UNREAD_TTL)
        return count
    except Exception:  # a cache outage costs a query, never the page
        logger.warning("The notifications count could not use the cache", exc_info=True)
        return unread(user).count()


def cached_unread_count(user_id: int) -> int | None:
    """The bell's count if the cache has it (None: unknown), without asking the database."""
    try:
        return cache.get(_unread_key(user_id))
    except Exception:
        return None


def forget_unread(user_ids) -> None:
    """These users' counts are stale (a notification of theirs was written or read)."""
    try:
        cache.delete_many([_unread_key(pk) for pk in user_ids])
    except Exception:  # they expire within UNREAD_TTL anyway
        logger.warning("Could not forget notification counts", exc_info=True)


def notifications_of(user) -> QuerySet[Notification]:
    """The notifications page: newest first, with the actor's name."""
    return visible(user).select_related("actor").order_by("-created_at", "-pk")


def latest_unread(user, limit: int = 5) -> list[Notification]:
    """The dashboard's few: the latest unread ones, each with the total unread (a window COUNT, in the same query),
    which the bell's count then takes from the cache instead of asking again."""
    notes = list(unread(user).annotate(total=Window(Count("pk"))).order_by("-created_at", "-pk")[:limit])
    try:
        cache.set(_unread_key(user.pk), notes[0].total if notes else 0, UNREAD_TTL)
    except Exception:  # the navigation will count for itself
        logger.warning("Could not keep the notifications count", exc_info=True)
    return notes


# Watch levels ------------------------------------------------------------------------------------------------


def forum_level(user, forum: Forum) -> str:
    level = Watch.objects.filter(user=user, forum=forum).values_list("level", flat=True).first()
    return level or Level.NORMAL


@dataclass(frozen=True)
class ThreadLevel:
    level: str  # the level that applies
    own: bool  # set on the thread itself (False: the forum's, or the default)


def thread_level(user, thread: Thread) -> ThreadLevel:
    """The level that applies to the user on this thread: its own, else its forum's, else normal: one query."""
    rows = dict(Watch.objects.filter(user=user).filter(Q(thread=thread) | Q(forum_id=thread.forum_id))
                .values_list("thread_id", "level"))
    if rows.get(thread.pk):
        return ThreadLevel(rows[thread.pk], own=True)
    return ThreadLevel(rows.get(None) or Level.NORMAL, own=False)


# Unread markers ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unread:
    """What is new to the reader in one thread of a list."""

    count: int  # posts after where they stopped
    first_id: int | None  # the first of them (None: the thread's first post, never opened)


@dataclass
class ForumMarkers:
    """The forum page's following state for one reader: their level on the forum and, per thread of the page,
    what is new (threads without news or muted are absent)."""

    level: str = Level.NORMAL
    unread: dict[int, Unread] = field(default_factory=dict)


def forum_markers(user, forum: Forum, threads: list[Thread]) -> ForumMarkers:
    """One query, whatever the page's and the forum's size: the page's threads again, each with the reader's
    level on it and on the forum, where they stopped (their read state, or their "mark all read" in the forum if
    higher), and the number and first id of the posts after that point (a correlated COUNT per thread of the
    page: an index range of the thread's new posts). A thread never opened, under no forum mark, counts all its
    posts from its counter (no count) and opens at its first post."""
    markers = ForumMarkers()
    if not user.is_authenticated:
        return markers
    forum_level = Watch.objects.filter(user=user, forum=forum).values("level")[:1]
    if not threads:
        markers.level = forum_level.first()["level"] if forum_level.exists() else Level.NORMAL
        return markers
    mark = ForumReadState.objects.filter(user=user, forum=forum).values("read_up_to_post_id")[:1]
    last = ReadState.objects.filter(user=user, thread=OuterRef("pk")).values("last_read_post_id")[:1]
    own = Watch.objects.filter(user=user, thread=OuterRef("pk")).values("level")[:1]
    after = Post.objects.filter(thread=OuterRef("pk"), pk__gt=OuterRef("since")).order_by()
    count = after.values("thread").annotate(count=Count("pk")).values("count")
    rows = (Thread.objects.filter(pk__in=[thread.pk for thread in threads])
            .annotate(own_level=Subquery(own), forum_level=Subquery(forum_level),
                      since=Greatest(Coalesce(Subquery(last), 0), Coalesce(Subquery(mark), 0)))
            .annotate(new=Case(When(since=0, then=None), default=Subquery(count)),
                      first_new=Case(When(since=0, then=None), default=Subquery(after.order_by("pk").values("pk")[:1])))
            .values_list("pk", "own_level", "forum_level", "since", "new", "first_new"))
    found = {row[0]: row[1:] for row in rows}
    for thread in threads:
        if thread.pk not in found:
            continue
        own_level, on_forum, since, new, first_new = found[thread.pk]
        markers.level = on_forum or Level.NORMAL
        # A muted forum's threads are muted too, unless they have a level of their own.
        if (own_level or markers.level) == Level.MUTED:
            continue
        if not since:
            markers.unread[thread.pk] = Unread(thread.reply_count + 1, None)
        elif new:
            markers.unread[thread.pk] = Unread(new, first_new)
    return markers
