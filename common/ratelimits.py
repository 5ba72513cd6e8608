"""Per-user rate limits on writing (threads, replies, reports, applications), counted by django-ratelimit."""

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

LIMITED_MESSAGE = (
    "You have done that a lot in a short time. Please wait a few minutes and try again; what you typed is kept below."
)


# Limits of actions that settings.RATE_LIMITS does not list; an entry there, if added, wins.
DEFAULT_RATES = {
    "police_report": "10/h",  # reports to the police (messaging.police_reports)
    "preview": "600/h",  # the composer's Markdown previews (messaging.board): typing, not posting
}


def rate_for(action: str) -> str:
    return settings.RATE_LIMITS.get(action) or DEFAULT_RATES[action]


def limit_reached(request: HttpRequest, action: str) -> bool:
    """Count one more `action` for this user and say whether they are over its rate (``rate_for``)."""
    return is_ratelimited(request, group=f"hub.{action}", key="user", rate=rate_for(action),
                          method="POST", increment=True)


class RateLimitedFormMixin:
    """For FormViews: a user over the limit gets the form back, with a message and HTTP 429, input kept."""

    rate_limit_action: str = ""

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if not form.is_valid():
            return self.form_invalid(form)
        if limit_reached(request, self.rate_limit_action):
            form.add_error(None, LIMITED_MESSAGE)
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return self.form_valid(form)
