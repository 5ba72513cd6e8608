from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def navigation(request: HttpRequest) -> dict:
    """What the navigation needs on every page, computed only when a template asks for it."""

    def compute() -> dict:
        from accounts import roles
        from messaging.bulletins.selectors import unread_count

        user = request.user
        if not user.is_authenticated:
            return {"is_officer": False, "unread_bulletins": 0, "moderation_count": None, "leads_sectors": False}
        moderation_count = None
        if user.is_superuser or roles.is_moderator(user):
            from messaging.board.selectors import moderation_count as count_for

            moderation_count = count_for(user)
        return {"is_officer": roles.is_officer(user), "unread_bulletins": unread_count(user),
                "moderation_count": moderation_count, "leads_sectors": user.is_superuser or roles.has_lead_role(user)}

    return {"nav": SimpleLazyObject(compute)}
