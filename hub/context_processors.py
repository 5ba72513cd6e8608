from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts import roles
from messaging.board.selectors import moderation_count
from messaging.bulletins.selectors import unread_count


def navigation(request: HttpRequest) -> dict:
    """What the navigation needs on every page, computed only when a template asks for it."""

    def compute() -> dict:
        user = request.user
        if not user.is_authenticated:
            return {"is_officer": False, "unread_bulletins": 0, "moderation_count": None, "leads_sectors": False}
        moderated = moderation_count(user) if user.is_superuser or roles.is_moderator(user) else None
        return {"is_officer": roles.is_officer(user), "unread_bulletins": unread_count(user),
                "moderation_count": moderated, "leads_sectors": user.is_superuser or roles.has_lead_role(user)}

    return {"nav": SimpleLazyObject(compute)}
