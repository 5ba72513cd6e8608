"""Who may read, post in and moderate which forum: the one place the board's views and services ask.

Approved members of a sector read and post in its forum; every approved member and every officer uses the
Hub forum; moderators hold board.moderate_forum on the forums they moderate (a guardian object permission)
and read those forums. Answers are cached on the user object for the request.
"""


from accounts import roles
from common import usercache
from messaging.board.models import Forum, Post, Thread
from sectors.permissions import approved_sector_ids, is_approved_member


def moderated_forum_ids(user) -> set[int]:
    if not user.is_authenticated:
        return set()
    def compute() -> set[int]:
        forums = Forum.objects.all() if user.is_superuser else roles.objects_in_scope(user, "board.moderate_forum",
                                                                                         Forum)
        return set(forums.values_list("pk", flat=True))

    return usercache.cached(user, "moderated_forum_ids", compute)


def can_use_board(user) -> bool:
    """Anyone who can read at least one forum (the forum index and the moderation pages need no more)."""
    return user.is_authenticated and (
        user.is_superuser or roles.is_officer(user) or is_approved_member(user)
        or bool(moderated_forum_ids(user))
    )


def can_read(user, forum: Forum) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser or forum.pk in moderated_forum_ids(user):
        return True
    if forum.is_hub:
        return roles.is_officer(user) or is_approved_member(user)
    return forum.sector_id in approved_sector_ids(user)


def can_post(user, forum: Forum) -> bool:
    return can_read(user, forum)


def can_moderate(user, forum: Forum) -> bool:
    return user.is_authenticated and forum.pk in moderated_forum_ids(user)


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
