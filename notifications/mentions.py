"""@mentions in posts: ``@`` and the person's display name with underscores for spaces, e.g. ``@Sam_Patel`` for
"Sam Patel (Acme Retail)". Case does not matter. A mention names either the whole display name
(``@Sam_Patel_(Acme_Retail)``) or its first words (``@Sam_Patel``, ``@Sam``); among the people who can read the
forum, a whole-name match wins, otherwise the first words must fit exactly one person. A mention that fits
nobody who reads the forum, or several, does nothing and says nothing: the author learns nothing about who
exists elsewhere on the portal.

Mentions are read from the post's stored HTML, outside code (``@`` in a code sample is no mention); at most
MAX_MENTIONS different names per post count, as in Discourse.
"""

import html
import re
from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.contrib.auth import get_user_model
from django.db.models import Q

MAX_MENTIONS = 10
# Longest display name (accounts.User.display_name) with room for underscores.
MAX_LENGTH = 80

# Code is no place for mentions; tags are not text.
_CODE = re.compile(r"<(pre|code)\b[^>]*>.*?</\1>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
# "@" not glued to a word or an address before it; then letters, digits and the marks names have.
_MENTION = re.compile(r"(?<![\w@./])@([^\W_][\w'’().\-]*)")
_TRAILING = ".,;:!?'’-"


def _name(token: str) -> str:
    """What a mention token names, as compare() writes names: "Sam_Patel." and "Sam_Patel's" -> "sam patel"."""
    token = token.rstrip(_TRAILING)
    if token[-2:].lower() in {"'s", "’s"}:  # a possessive: "@Sam_Patel's post"
        token = token[:-2]
    while token.endswith(")") and token.count(")") > token.count("("):
        token = token[:-1].rstrip(_TRAILING)
    return compare(token.replace("_", " "))


def compare(name: str) -> str:
    """A name as mentions compare it: case folded, runs of spaces as one."""
    return " ".join(name.split()).casefold()


def names_in(stored_html: str) -> list[str]:
    """The names mentioned in a post's stored HTML (compared form), first MAX_MENTIONS distinct ones in order."""
    text = html.unescape(_TAG.sub(" ", _CODE.sub(" ", stored_html or "")))
    names: list[str] = []
    for token in _MENTION.findall(text):
        name = _name(token[:MAX_LENGTH])
        if name and name not in names:
            names.append(name)
            if len(names) == MAX_MENTIONS:
                break
    return names


def resolve(names: Iterable[str], readers: Q) -> set[int]:
    """The ids of the people these names mention, among those the ``readers`` condition admits: one query (none
    without names)."""
    names = list(names)
    if not names:
        return set()
    # The database narrows to candidates (case-insensitively); the exact rule is applied below, in Python.
    candidates = reduce(or_, (Q(display_name__iexact=name) | Q(display_name__istartswith=f"{name} ")
                              for name in names))
    people = get_user_model().objects.filter(readers).filter(candidates).values_list("pk", "display_name")
    people = [(pk, compare(display_name)) for pk, display_name in people]
    found: set[int] = set()
    for name in names:
        whole = [pk for pk, display_name in people if display_name == name]
        first_words = [pk for pk, display_name in people if display_name.startswith(f"{name} ")]
        if len(whole) == 1:
            found.add(whole[0])
        elif not whole and len(first_words) == 1:
            found.add(first_words[0])
    return found


def handle(display_name: str) -> str:
    """How to mention someone: their display name's words before any "(...)", joined by underscores."""
    words = display_name.split("(")[0].split() or display_name.split()
    return "@" + "_".join(words)
