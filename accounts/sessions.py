"""Asking whether a session (by its key) is still logged in: for long-lived connections that outlive a request."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.utils.crypto import constant_time_compare


def session_is_valid(session_key: str, user) -> bool:
    """Is the session still logged in as this user, with the current password (Django's session hash)?"""
    data = import_module(settings.SESSION_ENGINE).SessionStore(session_key).load()
    if str(data.get(SESSION_KEY)) != str(user.pk):
        return False
    return constant_time_compare(data.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash())
