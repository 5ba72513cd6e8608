"""Response headers every page of the portal needs."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class PrivatePagesMiddleware:
    """What a signed-in person sees is theirs alone (OFFICIAL-SENSITIVE bulletins, forums, who is in a sector):
    ``Cache-Control: private, no-store`` so that no shared proxy keeps it and the browser does not keep it on
    disk for the next user of the machine, nor show it again from its history after signing out.

    A view that has set its own Cache-Control (a feed with its own rules) is left alone, and so are the
    responses for visitors (the public pages may be cached). Static files never get here: WhiteNoise answers
    them earlier in the chain. Place it after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
