"""Writes of the notifications app: watch levels, who is told of a new post (in bulk), the moderators' decisions,
reading notifications, and where a member stopped reading. The board's signals call the ones that follow its
events (receivers.py); the notifications pages call the others."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from audit.services import record
from messaging.board import permissions as board_permissions
from messaging.board import quotes
from messaging.board.models import Forum, Post, Thread
from messaging.bulletins import transport
from notifications import mentions, selectors
from notifications.models import ForumReadState, Level, Notification, ReadState, Watch

BELL = "notification-bell"  # the navigation's bell: a live page part (templates/includes/nav.html)
TEXT_LENGTH = Notification._meta.get_field("text").max_length


def _text(text: str) -> str:
    return text if len(text) <= TEXT_LENGTH else text[: TEXT_LENGTH - 1] + "…"


def _tell_live(user_ids: Iterable[int], *, toasts: dict[int, dict] | None = None) -> None:
    """After the commit: the users' bell counts are stale, and their open pages fetch the bell again (with a toast
    where ``toasts`` has one for them). Never raises (transport.send_to_user does not)."""
    user_ids = set(user_ids)
    toasts = toasts or {}
    if not user_ids:
        return

    def send() -> None:
        selectors.forget_unread(user_ids)
        for user_id in user_ids:
            toast = toasts.get(user_id)
            payload = {"type": "news", "toast": False, "refresh": [BELL]}
            if toast:
                payload = {"type": "news", "toast": True, "severity": "info", **toast, "refresh": [BELL]}
            transport.send_to_user(user_id, payload)

    transaction.on_commit(send)


# Watch levels ------------------------------------------------------------------------------------------------


def set_forum_level(user, forum: Forum, level: str) -> Watch:
    if level not in Level.values:
        raise ValueError(level)
    watch, _ = Watch.objects.update_or_create(user=user, forum=forum, defaults={"level": level})
    return watch


def set_thread_level(user, thread: Thread, level: str) -> Watch:
    if level not in Level.values:
        raise ValueError(level)
    watch, _ = Watch.objects.update_or_create(user=user, thread=thread, defaults={"level": level})
    return watch


def _follow_unless_chosen(user_id: int, thread: Thread, level: str) -> None:
    """The user's level on the thread becomes ``level`` unless they have one there already (what they chose
    stands): one INSERT that does nothing on a conflict."""
    Watch.objects.bulk_create([Watch(user_id=user_id, thread=thread, level=level)], ignore_conflicts=True)


def thread_started(thread: Thread) -> None:
    """A thread's starter watches it (every reply)."""
    if thread.author_id:
        _follow_unless_chosen(thread.author_id, thread, Level.WATCHING)


# Who is told of a new post -----------------------------------------------------------------------------------


def _levels(thread: Thread) -> dict[int, str]:
    """Each watcher's level on the thread: their own on it, else theirs on the forum (one query)."""
    rows = (Watch.objects.filter(Q(thread=thread) | Q(forum_id=thread.forum_id))
            .values_list("user_id", "thread_id", "level"))
    on_forum, on_thread = {}, {}
    for user_id, thread_id, level in rows:
        (on_thread if thread_id else on_forum)[user_id] = level
    return on_forum | on_thread


def _replied_to(post: Post) -> set[int]:
    """The authors of the posts of this thread that the post quotes (messaging.board.quotes): it replies to them."""
    ids = quotes.quoted_ids(post.body_html)
    if not ids:
        return set()
    return set(Post.objects.filter(thread_id=post.thread_id, pk__in=ids, author__isnull=False)
               .values_list("author_id", flat=True))


def _actor(post: Post) -> str:
    return post.author.display_name if post.author else "Former member"


def _mention_toast(actor: str, title: str, url: str) -> dict:
    return {"heading": "Mentioned", "subheading": f"by {actor}", "title": title, "url": url}


def post_created(post: Post, thread: Thread, *, first: bool) -> list[Notification]:
    """Tell the people who should hear of a new post, as their levels say, in a constant number of queries
    whatever their number (levels, quoted authors, mentions, readers, one INSERT; SQLite splits a long INSERT
    into batches of its driver's limit):

    - watching (the thread, or the forum when the thread has no level of the user's): told of every post;
    - tracking and normal: told when it replies to one of their posts (quotes it) or mentions them;
    - muted: never told, mentions included;
    - never the author, and never anyone who may not read the forum (the board's read rule).

    A reply makes its author follow the thread (tracking), unless they have chosen a level there."""
    forum = thread.forum
    author_id = post.author_id
    if not first and author_id:
        _follow_unless_chosen(author_id, thread, Level.TRACKING)
    readers = board_permissions.readers_condition(forum)
    mentioned = mentions.resolve(mentions.names_in(post.body_html), readers)
    replied_to = _replied_to(post)
    levels = _levels(thread)
    watching = {user_id for user_id, level in levels.items() if level == Level.WATCHING}
    wanted = (watching | replied_to | mentioned) - {author_id}
    wanted = {user_id for user_id in wanted if levels.get(user_id) != Level.MUTED}
    if not wanted:
        return []
    # Mentions were resolved among the readers already; the others are checked against the rule here.
    others = wanted - mentioned
    allowed = set()
    if others:
        # Asked of the watchers as a subquery (not a list of ids: thousands of watchers would be thousands of
        # parameters), plus the few quoted authors.
        watchers = Watch.objects.filter(Q(thread=thread) | Q(forum_id=thread.forum_id)).values("user_id")
        candidates = Q(pk__in=watchers) | Q(pk__in=replied_to & others)
        allowed = others & set(get_user_model().objects.filter(readers).filter(candidates)
                               .values_list("pk", flat=True))
    recipients = (wanted & mentioned) | allowed
    actor = _actor(post)
    title = thread.title
    texts = {
        Notification.Kind.MENTION: f"{actor} mentioned you in “{title}”",
        Notification.Kind.REPLY: f"{actor} replied to your post in “{title}”",
        Notification.Kind.NEW_THREAD: f"{actor} started “{title}” in {forum.name}",
        Notification.Kind.WATCHED_POST: f"{actor} posted in “{title}”",
    }
    now, url = timezone.now(), post.get_absolute_url()
    notes = []
    for user_id in sorted(recipients):
        if user_id in mentioned:
            kind = Notification.Kind.MENTION
        elif user_id in replied_to:
            kind = Notification.Kind.REPLY
        else:
            kind = Notification.Kind.NEW_THREAD if first else Notification.Kind.WATCHED_POST
        notes.append(Notification(user_id=user_id, kind=kind, actor_id=author_id, thread=thread, post=post,
                                  text=_text(texts[kind]), url=url, created_at=now))
    # ignore_conflicts: a post tells a member one thing once (the unique constraint), even if sent twice.
    Notification.objects.bulk_create(notes, ignore_conflicts=True)
    _tell_live(recipients, toasts=dict.fromkeys(mentioned & recipients, _mention_toast(actor, title, url)))
    return notes


def post_edited(post: Post, thread: Thread, *, previous_html: str) -> list[Notification]:
    """Tell the people an edit newly mentions, as a new post's mentions are told (post_created): readers of the
    forum, not muted there, never the author; names the earlier text already had are not told again, nor is
    anyone told of this post before (one notification per person and post)."""
    earlier = set(mentions.names_in(previous_html))
    added = [name for name in mentions.names_in(post.body_html) if name not in earlier]
    if not added:
        return []
    levels = _levels(thread)
    mentioned = {user_id for user_id in mentions.resolve(added, board_permissions.readers_condition(thread.forum))
                 if user_id != post.author_id and levels.get(user_id) != Level.MUTED}
    if mentioned:
        mentioned -= set(Notification.objects.filter(post=post, user_id__in=mentioned)
                         .values_list("user_id", flat=True))
    if not mentioned:
        return []
    actor = _actor(post)
    now, url = timezone.now(), post.get_absolute_url()
    text = _text(f"{actor} mentioned you in “{thread.title}”")
    notes = [Notification(user_id=user_id, kind=Notification.Kind.MENTION, actor_id=post.author_id, thread=thread,
                          post=post, text=text, url=url, created_at=now) for user_id in sorted(mentioned)]
    Notification.objects.bulk_create(notes, ignore_conflicts=True)
    _tell_live(mentioned, toasts=dict.fromkeys(mentioned, _mention_toast(actor, thread.title, url)))
    return notes


def thread_decided(*, thread: Thread, recipient, decision: str, text: str, url: str, by) -> Notification:
    """A moderator's decision on the recipient's thread or edit, behind their bell and on their dashboard."""
    note = Notification.objects.create(user=recipient, kind=decision, actor=by, thread=thread, text=_text(text),
                                       url=url[:300])
    _tell_live([recipient.pk])
    return note


# Reading notifications ---------------------------------------------------------------------------------------


def open_notification(note: Notification, *, by) -> Notification:
    """The owner opened it: read from now on (once; opening again changes nothing)."""
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
        note.read_at = timezone.now()
        selectors.forget_unread([by.pk])  # now, for the page the reader goes to (and again after the commit)
        _tell_live([by.pk])
    return note


def mark_all_read(user) -> int:
    count = Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
    if count:
        record(user, "notification.read_all", user, count=count)
        selectors.forget_unread([user.pk])
        _tell_live([user.pk])
    return count


def read_thread_notifications(user, thread: Thread) -> int:
    """The user has opened the thread their unread notifications are about: they are read (audited)."""
    count = Notification.objects.filter(user=user, thread=thread, read_at__isnull=True).update(
        read_at=timezone.now())
    if count:
        record(user, "notification.read", user, url=thread.get_absolute_url(), count=count)
        selectors.forget_unread([user.pk])  # now, before this page's navigation counts
        _tell_live([user.pk])
    return count


# Where a member stopped reading ------------------------------------------------------------------------------


def _upsert_sql() -> str:
    """One statement for a thread page view: move the reader's mark up (never back: page 1 read again after page 5
    keeps page 5) and return, in the same round trip, their watch levels on the thread and on its forum (for the
    page's level control) and how many unread notifications they have about the thread (usually none: then
    nothing more is asked). RETURNING with subqueries: PostgreSQL, and SQLite from 3.35."""
    quote = connection.ops.quote_name
    table, watch = quote(ReadState._meta.db_table), quote(Watch._meta.db_table)
    notes = quote(Notification._meta.db_table)
    higher = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    return (
        f"INSERT INTO {table} (user_id, thread_id, last_read_post_id, updated_at) VALUES (%s, %s, %s, %s) "  # noqa: S608
        f"ON CONFLICT (user_id, thread_id) DO UPDATE SET "
        f"last_read_post_id = {higher}({table}.last_read_post_id, excluded.last_read_post_id), "
        f"updated_at = excluded.updated_at "
        f"RETURNING (SELECT level FROM {watch} WHERE user_id = %s AND thread_id = %s), "
        f"(SELECT level FROM {watch} WHERE user_id = %s AND forum_id = %s), "
        f"(SELECT COUNT(*) FROM {notes} WHERE user_id = %s AND thread_id = %s AND read_at IS NULL)"
    )


def record_view(user, thread: Thread, last_post_id: int) -> None:
    """The reader was shown the thread up to this post: one statement (see _upsert_sql), which also tells the
    page's level control the reader's level (``thread.following_level``, read by the following template tags)
    and whether notifications about the thread wait to be marked read (then one UPDATE more)."""
    if not user.is_authenticated or not last_post_id:
        return
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(), [user.pk, thread.pk, last_post_id, timezone.now(),
                                       user.pk, thread.pk, user.pk, thread.forum_id, user.pk, thread.pk])
        own, on_forum, unread_here = cursor.fetchone()
    thread.following_level = selectors.ThreadLevel(own or on_forum or Level.NORMAL, own=bool(own))
    if unread_here:
        read_thread_notifications(user, thread)


def mark_forum_read(user, forum: Forum) -> int:
    """Every post of the forum so far counts as read: one row (the forum's mark, the highest post id now), whatever
    the number of threads. Returns the mark."""
    latest = Post.objects.aggregate(latest=Max("pk"))["latest"] or 0
    ForumReadState.objects.update_or_create(user=user, forum=forum, defaults={"read_up_to_post_id": latest})
    return latest
