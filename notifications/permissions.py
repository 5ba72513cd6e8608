"""Who may use which notifications page, and the loaders that fetch, check and raise in one step.

The bell and the notifications page are for those who use the board (all notifications today are about forum
threads); a notification is its owner's alone: anyone else gets a 404, as if it did not exist. Levels and read
markers are set on forums and threads through the board's own loaders, so the board's read rule decides.
"""

from django.http import Http404

from messaging.board import permissions as board_permissions
from messaging.board.models import Forum, Thread
from notifications.models import Notification


def can_use(user) -> bool:
    return board_permissions.can_use_board(user)


def access_own_notification(user, pk: int) -> Notification:
    note = Notification.objects.filter(pk=pk, user_id=user.pk).first()
    if note is None:
        raise Http404("No such notification.")
    return note


def access_forum(user, slug: str) -> Forum:
    """A forum the user reads (403 for one they know of but may not read, as on the board)."""
    return board_permissions.access_forum(user, slug)


def access_thread(user, pk: int) -> Thread:
    """A thread the user may see (404 otherwise, so a pending thread's title never leaks)."""
    return board_permissions.access_thread(user, pk)
