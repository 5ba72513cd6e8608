from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def navigation(request: HttpRequest) -> dict:
    """What the navigation needs on every page, computed only when a template asks for it."""

    def compute() -> dict:
        from accounts import roles
        from messaging.bulletins.selectors import unread_count

        user = request.user
        if not user.is_authenticated:
            return {"is_officer": False, "unread_bulletins": 0}
        return {"is_officer": roles.is_officer(user), "unread_bulletins": unread_count(user)}

    return {"nav": SimpleLazyObject(compute)}
