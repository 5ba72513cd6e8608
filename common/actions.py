"""What a view does with a service action: the service's refusal becomes an error message, success a success one."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest


class ActionRefused(Exception):
    """A service refuses an action in the object's current state; the message says why, for the user to read."""


def attempt(request: HttpRequest, action: Callable[[], Any], success: str | Callable[[Any], str]) -> bool:
    """Run the action; tell the user how it went. True if it was done."""
    try:
        result = action()
    except ActionRefused as error:
        messages.error(request, str(error))
        return False
    messages.success(request, success(result) if callable(success) else success)
    return True
