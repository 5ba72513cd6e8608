"""Reads for the board's pages; each query's cost is independent of how many rows the board holds."""

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from guardian.models import GroupObjectPermission, UserObjectPermission

from accounts import roles
from audit.models import AuditEntry
from common import badges as common_badges
from common.badges import RoleBadge
from messaging.board import permissions
from messaging.board.models import Forum, Post, PostRevision, ProposedEdit, Report, Thread
from sectors.models import Sector


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


def thread_post_keys(thread: Thread) -> QuerySet:
    """The thread's posts' ids in reading order, for paginating: slices of it are an index range
    (post_thread_page), however deep the page."""
    return thread.posts.order_by("created_at", "id").values("pk")


def thread_posts(thread: Thread, *, reader, page_keys: QuerySet | None = None) -> QuerySet[Post]:
    """The thread's posts in order, each with whether it has earlier versions (``has_history``), whether the
    reader reported it (``reported_by_reader``) and the id of an edit of it waiting for a moderator
    (``waiting_edit_id``): one query for the page, however many posts it shows.

    ``page_keys``, a slice of thread_post_keys, picks one page: the annotations are then worked out for that
    page's posts only, not for every post before it (on a 1,000-post thread's last page, 20 instead of 1,000)."""
    waiting = ProposedEdit.objects.filter(post=OuterRef("pk"), status=ProposedEdit.Status.PENDING).values("pk")[:1]
    posts = thread.posts.all() if page_keys is None else thread.posts.filter(pk__in=page_keys)
    return (posts.select_related("author__organisation")
            .annotate(has_history=Exists(PostRevision.objects.filter(post=OuterRef("pk"))),
                      reported_by_reader=Exists(Report.objects.filter(post=OuterRef("pk"), reporter_id=reader.pk)),
                      waiting_edit_id=Subquery(waiting))
            .order_by("created_at", "id"))


@dataclass(frozen=True)
class ModerationQueue:
    """What waits for this user's decision, in the forums they moderate, oldest first."""

    threads: QuerySet[Thread]  # new threads
    edits: QuerySet[ProposedEdit]  # members' edits of approved threads' titles and opening posts
    reports: QuerySet[Report]  # reported posts


def moderation_queue(user) -> ModerationQueue:
    forum_ids = permissions.moderated_forum_ids(user)
    threads = (Thread.objects.pending().filter(forum_id__in=forum_ids)
               .select_related("forum", "author").order_by("created_at", "id"))
    edits = (ProposedEdit.objects.filter(status=ProposedEdit.Status.PENDING, post__thread__forum_id__in=forum_ids)
             .select_related("post__thread__forum", "proposed_by").order_by("proposed_at", "id"))
    reports = (Report.objects.filter(status=Report.Status.OPEN, post__thread__forum_id__in=forum_ids)
               .select_related("post__thread__forum", "post__author", "reporter").order_by("created_at", "id"))
    return ModerationQueue(threads=threads, edits=edits, reports=reports)


def with_opening_html(threads: QuerySet[Thread]) -> QuerySet[Thread]:
    """The threads, each with its opening post's stored HTML (``opening_html``) for a moderator to read before
    deciding: in the threads' own query."""
    first = Post.objects.filter(thread=OuterRef("pk")).order_by("created_at", "id")
    return threads.annotate(opening_html=Subquery(first.values("body_html")[:1]))


def moderation_count(user) -> int:
    """How many things wait in the user's queue (the navigation's counter): one query on every page."""
    forum_ids = permissions.moderated_forum_ids(user)
    if not forum_ids:
        return 0
    queue = moderation_queue(user)
    waiting = [part.order_by().values_list("pk") for part in (queue.threads, queue.edits, queue.reports)]
    return waiting[0].union(*waiting[1:], all=True).count()


def waiting_edit(post: Post) -> ProposedEdit | None:
    """The edit of this post still waiting for a moderator, if any."""
    return post.proposed_edits.filter(status=ProposedEdit.Status.PENDING).first()


@functools.cache
def _author_roles_sql(count: int) -> str:
    """author_badges' query for ``count`` people: (user id, "officer" or the permission's codename, the led
    sector's name). Written as SQL text (once per count) because the thread page asks it on every view, and the
    ORM took longer to build its three-part union than the database took to answer it. Only the models' own
    names, quoted, go into the text; the values are parameters.

    Parameters: the officers' group name, the ids; the forum's id (text), the ids; the forum's id, the ids."""
    quote = connection.ops.quote_name
    memberships = get_user_model().groups.through._meta
    member, group = (quote(memberships.get_field(name).column) for name in ("user", "group"))
    user_perm, group_perm = UserObjectPermission._meta, GroupObjectPermission._meta
    permission, content_type = Permission._meta, ContentType._meta
    ids = ", ".join(["%s"] * count)

    def scoped(table: str, meta) -> str:
        # This forum's moderate_forum, or any sector's manage_membership (with the sector's name). Guardian keeps
        # object ids as text: compare them as text, so no row can fail a cast.
        permission_id = quote(meta.get_field("permission").column)
        return (
            f"JOIN {quote(permission.db_table)} p ON p.{quote('id')} = {table}.{permission_id} "
            f"JOIN {quote(content_type.db_table)} ct "
            f"ON ct.{quote('id')} = p.{quote(permission.get_field('content_type').column)} "
            f"LEFT JOIN {quote(Sector._meta.db_table)} s ON ct.{quote('app_label')} = 'sectors' "
            f"AND CAST(s.{quote('id')} AS VARCHAR(20)) = {table}.{quote(meta.get_field('object_pk').column)} "
            f"WHERE ((ct.{quote('app_label')} = 'board' AND p.{quote('codename')} = 'moderate_forum' "
            f"AND {table}.{quote(meta.get_field('object_pk').column)} = %s) "
            f"OR (ct.{quote('app_label')} = 'sectors' AND p.{quote('codename')} = 'manage_membership')) "
        )

    return (
        f"SELECT m.{member}, 'officer', NULL FROM {quote(memberships.db_table)} m "  # noqa: S608
        f"JOIN {quote(Group._meta.db_table)} g ON g.{quote('id')} = m.{group} "
        f"WHERE g.{quote('name')} = %s AND m.{member} IN ({ids}) "
        f"UNION ALL SELECT up.{quote(user_perm.get_field('user').column)}, p.{quote('codename')}, s.{quote('name')} "
        f"FROM {quote(user_perm.db_table)} up {scoped('up', user_perm)}"
        f"AND up.{quote(user_perm.get_field('user').column)} IN ({ids}) "
        f"UNION ALL SELECT m.{member}, p.{quote('codename')}, s.{quote('name')} "
        f"FROM {quote(group_perm.db_table)} gp "
        f"JOIN {quote(memberships.db_table)} m ON m.{group} = gp.{quote(group_perm.get_field('group').column)} "
        f"{scoped('gp', group_perm)}AND m.{member} IN ({ids})"
    )


def author_badges(forum: Forum, authors: Iterable) -> dict[int, tuple[RoleBadge, ...]]:
    """The verified role badges of these people, as authors in this forum: officers (administrators for
    superusers), this forum's moderators, and sector leads with the sectors they lead. Drawn from the roles,
    never the names, in one query however many authors.

    The rules are the per-person ones, asked for many people at once: the officers' group (accounts.roles),
    and the moderate_forum and manage_membership object permissions held directly or through a group (what
    roles.objects_in_scope reads for one person); tests/board/test_badges.py proves the two agree."""
    users = {user.pk: user for user in authors if user is not None}
    if not users:
        return {}
    ids = list(users)
    with connection.cursor() as cursor:
        cursor.execute(_author_roles_sql(len(ids)),
                       [roles.OFFICERS, *ids, str(forum.pk), *ids, str(forum.pk), *ids])
        rows = cursor.fetchall()
    held: dict[int, set[str]] = defaultdict(set)
    led: dict[int, set[str]] = defaultdict(set)
    for user_id, role, sector in rows:
        held[user_id].add(role)
        if role == "manage_membership" and sector:
            led[user_id].add(sector)
    badges = {}
    for pk, user in users.items():
        if user.is_superuser:  # every power already: one badge says so
            badges[pk] = (common_badges.ADMINISTRATOR,)
            continue
        found = []
        if "officer" in held[pk]:
            found.append(common_badges.OFFICER)
        if "moderate_forum" in held[pk]:
            found.append(common_badges.MODERATOR)
        if led[pk]:
            found.append(common_badges.sector_lead(led[pk]))
        if found:
            badges[pk] = tuple(found)
    return badges


def with_author_badges(forum: Forum, posts: list[Post]) -> list[Post]:
    """The page's posts, each with ``author_badges`` (see author_badges), for the template."""
    badges = author_badges(forum, (post.author for post in posts))
    for post in posts:
        post.author_badges = badges.get(post.author_id, ())
    return posts


def moderation_log(forum: Forum) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(action__startswith="board.", data__forum=forum.pk).select_related("actor")


def recent_threads(limit: int = 5, **forum_filter) -> QuerySet[Thread]:
    """The latest approved threads in the forums the filter picks, e.g. forum_id__in=... or forum__sector=...: the
    columns their lists show (title, last activity, forum's name)."""
    return (Thread.objects.approved().filter(**forum_filter).select_related("forum")
            .only("title", "last_activity_at", "forum__name").order_by("-last_activity_at", "-id")[:limit])


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
