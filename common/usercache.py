"""Answers about a user (their groups, sectors, forums) kept on the user object for one request, or for one
socket's access check, so a page asks the database once however many templates ask again."""

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
_PREFIX = "_hub_cached_"


def cached(user, name: str, compute: Callable[[], T]) -> T:
    key = _PREFIX + name
    if key not in user.__dict__:
        user.__dict__[key] = compute()
    return user.__dict__[key]


def forget(user) -> None:
    """Drop every cached answer, after the user's roles, memberships or organisation changed."""
    for key in [key for key in user.__dict__ if key.startswith(_PREFIX)]:
        del user.__dict__[key]
