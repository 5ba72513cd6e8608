"""Reading values that arrive in the query string or a form field outside a Django form."""

import re

_ID = re.compile(r"[0-9]{1,18}")


def object_id(value: str | None) -> int | None:
    """A database id written as digits (no sign, no spaces, no more than a bigint holds), or None."""
    return int(value) if isinstance(value, str) and _ID.fullmatch(value) else None
