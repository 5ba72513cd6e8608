"""Asking whether a session (by its key) is still logged in: for long-lived connections that outlive a request."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.utils.crypto import constant_time_compare


def open_session(session_key: str | None) -> SessionBase:
    """The session with this key as it is stored now (read on first use, once): a live socket re-reads its
    session on every access check instead of trusting the copy it connected with. None: a new session."""
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def session_is_valid(session: str | SessionBase, user) -> bool:
    """Is the session (a key, or one opened with open_session) still logged in as this user, with the current
    password (Django's session hash)?"""
    if isinstance(session, str):
        session = open_session(session)
    if str(session.get(SESSION_KEY)) != str(user.pk):
        return False
    return constant_time_compare(session.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash())
