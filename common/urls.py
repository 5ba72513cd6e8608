"""The address of a view that takes one object id, as reverse(name, args=[pk]) gives it, for addresses written once
per row (a thread page's post links, a list's rows, models' get_absolute_url). reverse() costs about 20 us a
call, most of a list page's URL work; this reverses the name once per process, script prefix and URLconf with a
stand-in id, and writes each row's id in its place."""

import functools

from django.urls import get_script_prefix, get_urlconf, reverse

# An id no row has: it stands for the real one in the reversed address.
_STAND_IN = 918_273_645_546_372_819


@functools.cache
def _around_id(name: str, prefix: str, urlconf) -> tuple[str, str]:
    """The address of ``name`` before and after its id. The prefix is part of the key: reverse() writes it."""
    before, stand_in, after = reverse(name, args=[_STAND_IN], urlconf=urlconf).partition(str(_STAND_IN))
    if not stand_in or str(_STAND_IN) in after:
        raise ValueError(f"{name!r} does not take exactly one object id")
    return before, after


def object_url(name: str, pk) -> str:
    before, after = _around_id(name, get_script_prefix(), get_urlconf())
    return f"{before}{int(pk)}{after}"
