"""Who may read, post in and moderate which forum: the one place the board's views, selectors and services ask.

Approved members of a sector read and post in its forum; every approved member and every officer uses the
Hub forum; moderators hold board.moderate_forum on the forums they moderate (a guardian object permission)
and read those forums. Answers are cached on the user object for the request.

Rules answer yes or no (``can_*``); loaders (``access_*``) fetch an object, check the rule and raise 404 or 403
in one step, so a view never holds an object it may not use. Whatever the user may not know exists (a thread
or post they can't see, a report) is a 404, so a pending thread's title never leaks; a forum everyone knows
of, or an action on something they can see, is a 403 that says why.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from guardian.models import GroupObjectPermission, UserObjectPermission

from accounts import roles
from common import usercache
from messaging.board.models import Forum, Post, ProposedEdit, Report, Thread
from sectors.models import Membership
from sectors.permissions import approved_sector_ids

LOCKED_MESSAGE = "This thread is locked: no new replies."


def moderated_forum_ids(user) -> set[int]:
    """The forums this user moderates (every forum for superusers), cached on the user for the request."""
    if not user.is_authenticated:
        return set()

    def compute() -> set[int]:
        forums = Forum.objects.all() if user.is_superuser else roles.objects_in_scope(user, "board.moderate_forum",
                                                                                         Forum)
        return set(forums.values_list("pk", flat=True))

    return usercache.cached(user, "moderated_forum_ids", compute)


@dataclass(frozen=True)
class ReadAccess:
    """The grounds on which a user reads forums: the read rule, stated once.

    It has two faces that must never disagree, so both are here: ``includes`` answers for one forum in memory
    (``can_read``), ``condition`` is the same rule as a query filter (``selectors.readable_forums``).
    """

    every_forum: bool = False  # superusers
    hub_forum: bool = False  # officers and the approved members of any sector
    sector_ids: frozenset[int] = frozenset()  # the forums of the sectors they are an approved member of
    moderated_ids: frozenset[int] = frozenset()  # the forums they moderate, whatever their sector

    @property
    def any_forum(self) -> bool:
        return self.every_forum or self.hub_forum or bool(self.sector_ids) or bool(self.moderated_ids)

    def includes(self, forum: Forum) -> bool:
        if self.every_forum or forum.pk in self.moderated_ids:
            return True
        return self.hub_forum if forum.is_hub else forum.sector_id in self.sector_ids

    def condition(self) -> Q:
        if self.every_forum:
            return Q()
        condition = Q(pk__in=self.moderated_ids) | Q(sector_id__in=self.sector_ids)
        if self.hub_forum:
            condition |= Q(sector__isnull=True)
        return condition


def read_access(user) -> ReadAccess:
    if not user.is_authenticated:
        return ReadAccess()
    if user.is_superuser:
        return ReadAccess(every_forum=True)
    sector_ids = frozenset(approved_sector_ids(user))
    return ReadAccess(hub_forum=roles.is_officer(user) or bool(sector_ids), sector_ids=sector_ids,
                      moderated_ids=frozenset(moderated_forum_ids(user)))


def readers_condition(forum: Forum) -> Q:
    """The read rule's third face: who reads this forum, as a filter on users (the people the notifications app
    may tell about its posts, in one query however many). It must agree with ``read_access`` for every person
    (tests/notifications/test_readers.py asks it of every role): superusers; the forum's moderators (the
    permission held directly or through a group); for the Hub forum officers and the approved members of any
    sector, for a sector's forum its approved members. Inactive accounts read nothing."""
    groups = get_user_model().groups.through.objects
    moderate = {"permission__codename": "moderate_forum", "permission__content_type__app_label": "board",
                "object_pk": str(forum.pk)}
    moderators = (Q(pk__in=UserObjectPermission.objects.filter(**moderate).values("user_id"))
                  | Q(pk__in=groups.filter(group_id__in=GroupObjectPermission.objects.filter(**moderate)
                                           .values("group_id")).values("user_id")))
    members = Membership.objects.approved()
    if forum.is_hub:
        readers = Q(pk__in=members.values("user_id")) | Q(pk__in=groups.filter(group__name=roles.OFFICERS)
                                                               .values("user_id"))
    else:
        readers = Q(pk__in=members.filter(sector_id=forum.sector_id).values("user_id"))
    return Q(is_active=True) & (Q(is_superuser=True) | moderators | readers)


# Rules -------------------------------------------------------------------------------------------------------


def can_use_board(user) -> bool:
    """Anyone who can read at least one forum (the forum index and the moderation pages need no more)."""
    return read_access(user).any_forum


def can_read(user, forum: Forum) -> bool:
    return read_access(user).includes(forum)


def can_post(user, forum: Forum) -> bool:
    return can_read(user, forum)


def can_moderate(user, forum: Forum) -> bool:
    return user.is_authenticated and forum.pk in moderated_forum_ids(user)


def moderates_any_forum(user) -> bool:
    """The moderation queue is for those who moderate at least one forum."""
    return bool(moderated_forum_ids(user))


def starts_approved(user, forum: Forum) -> bool:
    """Officers' and moderators' threads skip the queue."""
    return roles.is_officer(user) or can_moderate(user, forum)


def can_see_thread(user, thread: Thread) -> bool:
    """Approved threads are for the forum's readers; pending and rejected ones for the author and moderators."""
    if not can_read(user, thread.forum):
        return False
    return thread.is_approved or thread.author_id == user.pk or can_moderate(user, thread.forum)


def can_reply(user, thread: Thread) -> bool:
    if not (thread.is_approved and can_post(user, thread.forum)):
        return False
    return not thread.locked or can_moderate(user, thread.forum)


def can_edit_post(user, post: Post) -> bool:
    """Authors edit their own posts (not in a locked thread); moderators edit any in their forums."""
    if can_moderate(user, post.thread.forum):
        return True
    if post.author_id != user.pk or not can_read(user, post.thread.forum) or post.hidden:
        return False
    return not post.thread.locked


def edit_needs_review(user, post: Post, *, first: bool) -> bool:
    """Whether a material edit by this user (see services.is_material) waits for a moderator: a member's edit
    of an approved thread's opening post (title included). Replies, threads not yet approved, and the
    edits of those whose threads skip the queue (officers, the forum's moderators) show at once."""
    return first and post.thread.is_approved and not starts_approved(user, post.thread.forum)


def can_see_waiting_edit(user, post: Post) -> bool:
    """Whether to say an edit of this post waits for a moderator: to its author and the forum's moderators;
    other readers see the approved text and nothing more."""
    if not getattr(post, "waiting_edit_id", None):  # annotated by selectors.thread_posts
        return False
    return user.pk == post.author_id or can_moderate(user, post.thread.forum)


def can_report(user, post: Post) -> bool:
    """Posts of approved threads; a hidden post only by a moderator, so its text stays hidden from the rest."""
    return post.thread.is_approved and (not post.hidden or can_moderate(user, post.thread.forum))


# Loaders -----------------------------------------------------------------------------------------------------


def _require_moderator(user, forum: Forum) -> None:
    if not can_moderate(user, forum):
        raise PermissionDenied("Only this forum's moderators can do that.")


def access_forum(user, slug: str) -> Forum:
    """A forum the user can't read is a 403 that says whose forum it is; threads and posts are the secrets."""
    forum = get_object_or_404(Forum.objects.select_related("sector"), slug=slug)
    if not can_read(user, forum):
        raise PermissionDenied(f"Only approved members of {forum.name} can read its forum.")
    return forum


def access_forum_to_post_in(user, slug: str) -> Forum:
    """The forum a user is starting a thread in."""
    forum = access_forum(user, slug)
    if not can_post(user, forum):
        raise PermissionDenied(f"You can't start threads in {forum.name}.")
    return forum


def access_moderated_forum(user, slug: str) -> Forum:
    forum = access_forum(user, slug)
    _require_moderator(user, forum)
    return forum


def access_thread(user, pk: int) -> Thread:
    """404 for threads the user may not see, so a pending thread's title never leaks."""
    thread = get_object_or_404(Thread.objects.select_related("forum__sector", "author"), pk=pk)
    if not can_see_thread(user, thread):
        raise Http404("No such thread.")
    return thread


def access_thread_to_reply_to(user, pk: int) -> Thread:
    thread = access_thread(user, pk)
    if not can_reply(user, thread):
        raise PermissionDenied(LOCKED_MESSAGE if thread.locked else "You can't reply to this thread.")
    return thread


def access_moderated_thread(user, pk: int) -> Thread:
    thread = access_thread(user, pk)
    _require_moderator(user, thread.forum)
    return thread


def access_post(user, pk: int) -> Post:
    """404 for posts in threads the user may not see."""
    post = get_object_or_404(Post.objects.select_related("thread__forum__sector", "thread__author", "author"), pk=pk)
    if not can_see_thread(user, post.thread):
        raise Http404("No such post.")
    return post


def access_editable_post(user, pk: int) -> Post:
    post = access_post(user, pk)
    if not can_edit_post(user, post):
        raise PermissionDenied("You can only edit your own posts, and not in a locked thread.")
    return post


def access_reportable_post(user, pk: int) -> Post:
    """A 404, not a 403: there is nothing to report, and the report page must not show a hidden post's text."""
    post = access_post(user, pk)
    if not can_report(user, post):
        raise Http404("No such post.")
    return post


def access_moderated_post(user, pk: int) -> Post:
    post = access_post(user, pk)
    _require_moderator(user, post.thread.forum)
    return post


def access_moderated_edit(user, pk: int) -> ProposedEdit:
    """An edit held for the moderators: a 404 for those who can't see its thread, a 403 for its other readers."""
    edit = get_object_or_404(
        ProposedEdit.objects.select_related("post__thread__forum__sector", "post__thread__author", "proposed_by"),
        pk=pk,
    )
    if not can_see_thread(user, edit.post.thread):
        raise Http404("No such edit.")
    _require_moderator(user, edit.post.thread.forum)
    return edit


def access_report(user, pk: int) -> Report:
    """Reports are for the moderators of the post's forum; others who can see the post get a 403."""
    report = get_object_or_404(Report.objects.select_related("post__thread__forum"), pk=pk)
    if not can_see_thread(user, report.post.thread):
        raise Http404("No such report.")
    _require_moderator(user, report.post.thread.forum)
    return report
