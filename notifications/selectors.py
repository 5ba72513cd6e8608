"""Reads of the notifications app: the bell's count (cached), the notifications list, watch levels, and the
forum page's unread markers, each in a bounded number of queries whatever the number of rows."""

import functools
import logging
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet

from messaging.board.models import Forum, Post, Thread
from messaging.board.selectors import readable_forums
from notifications.models import ForumReadState, Level, Notification, ReadState, Watch

logger = logging.getLogger(__name__)

# The bell's count is kept in the cache until a notification is written or read (``forget_unread``), and this long
# at most: bounds how late a change made elsewhere (the admin, a raw update, a lost access) shows.
UNREAD_TTL = 120


# The count a page has just read with its notifications (latest_unread), kept on the user object for the rest of
# that request, so that the bell need not ask the cache for what the page already knows.
_COUNTED = "_notifications_unread_counted"


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
    if _COUNTED in user.__dict__:  # this request's page has just counted them (latest_unread): no round trip
        return user.__dict__[_COUNTED]
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


def _latest_unread_sql(user, limit: int) -> tuple[str, list]:
    """unread(user), newest first, with the window COUNT, as SQL text around the read rule's own subquery (the
    forums the user reads, compiled by the ORM from board.selectors.readable_forums): the ORM spent several times
    longer building the whole query than the database took to answer it, on every dashboard view."""
    quote = connection.ops.quote_name
    notes, threads = quote(Notification._meta.db_table), quote(Thread._meta.db_table)
    params: list = [user.pk]
    where = "n.thread_id IS NULL"
    try:
        forums, forum_params = readable_forums(user).values("pk").query.sql_with_params()
    except EmptyResultSet:  # no forum: only the notes about no thread
        pass
    else:
        where = f"(n.thread_id IS NULL OR t.forum_id IN ({forums}))"
        params.extend(forum_params)
    sql = (
        f"SELECT n.*, COUNT(*) OVER () AS total FROM {notes} n "  # noqa: S608 - only our own names and SQL
        f"LEFT JOIN {threads} t ON t.id = n.thread_id "
        f"WHERE n.user_id = %s AND n.read_at IS NULL AND {where} ORDER BY n.created_at DESC, n.id DESC LIMIT %s"
    )
    # The user's id comes first in the text, then the forums' parameters, then the limit.
    return sql, [*params, limit]


def latest_unread(user, limit: int = 5) -> list[Notification]:
    """The dashboard's few: the latest unread ones, each with the total unread (a window COUNT, in the same query),
    which the bell's count then takes from the cache instead of asking again."""
    notes = list(Notification.objects.raw(*_latest_unread_sql(user, limit)))
    user.__dict__[_COUNTED] = notes[0].total if notes else 0
    try:
        cache.set(_unread_key(user.pk), user.__dict__[_COUNTED], UNREAD_TTL)
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


@functools.cache
def _markers_sql(threads: int) -> str:
    """The query of forum_markers for a page of ``threads`` threads, written once per page size. It was the
    costliest part of a forum page as an ORM query: Django spent several times longer building its subqueries
    than the database took to answer them (issue 13). Table and column names come from the models; the values
    are parameters. Plain SQL that PostgreSQL and SQLite both run (CASE, not GREATEST)."""
    quote = connection.ops.quote_name
    watch, read, forum_read = (quote(model._meta.db_table) for model in (Watch, ReadState, ForumReadState))
    thread, post = quote(Thread._meta.db_table), quote(Post._meta.db_table)
    ids = ", ".join(["%s"] * threads)
    # x: each thread of the page with the reader's level on it and where they stopped (their mark in the thread
    # or the forum's, whichever is higher; 0: never opened, under no forum mark). Then what lies after that.
    return (
        "SELECT x.id, x.own_level, x.forum_level, x.since, "  # noqa: S608 - only the models' own names
        f"CASE WHEN x.since = 0 THEN NULL ELSE (SELECT COUNT(*) FROM {post} p "
        "WHERE p.thread_id = x.id AND p.id > x.since) END, "
        f"CASE WHEN x.since = 0 THEN NULL ELSE (SELECT MIN(p.id) FROM {post} p "
        "WHERE p.thread_id = x.id AND p.id > x.since) END "
        f"FROM (SELECT t.id, (SELECT w.level FROM {watch} w WHERE w.user_id = %s AND w.thread_id = t.id) AS own_level, "
        "f.forum_level, CASE WHEN COALESCE(r.last_read_post_id, 0) > f.mark THEN r.last_read_post_id "
        "ELSE f.mark END AS since "
        f"FROM {thread} t "
        f"CROSS JOIN (SELECT (SELECT level FROM {watch} WHERE user_id = %s AND forum_id = %s) AS forum_level, "
        f"COALESCE((SELECT read_up_to_post_id FROM {forum_read} WHERE user_id = %s AND forum_id = %s), 0) AS mark) f "
        f"LEFT JOIN {read} r ON r.user_id = %s AND r.thread_id = t.id "
        f"WHERE t.id IN ({ids})) x"
    )


def forum_markers(user, forum: Forum, threads: list[Thread]) -> ForumMarkers:
    """One query, whatever the page's and the forum's size: the page's threads again, each with the reader's
    level on it and on the forum, where they stopped (their read state, or their "mark all read" in the forum if
    higher), and the number and first id of the posts after that point (a correlated COUNT per thread of the
    page: an index range of the thread's new posts). A thread never opened, under no forum mark, counts all its
    posts from its counter (no count) and opens at its first post."""
    markers = ForumMarkers()
    if not user.is_authenticated:
        return markers
    if not threads:
        level = Watch.objects.filter(user=user, forum=forum).values_list("level", flat=True).first()
        markers.level = level or Level.NORMAL
        return markers
    with connection.cursor() as cursor:
        cursor.execute(_markers_sql(len(threads)), [user.pk, user.pk, forum.pk, user.pk, forum.pk, user.pk,
                                                    *(thread.pk for thread in threads)])
        found = {row[0]: row[1:] for row in cursor.fetchall()}
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
