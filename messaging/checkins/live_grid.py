"""The officers' live grid: told of every answer, and rendered once per change for all the officers watching it.

5,000 answers a minute each announce "the grid changed"; each server process passes that on to its officers'
pages at most once a second (the stream's coalescing), and each page then fetches the grid again. A render at
5,000 answers costs ~30 ms of Python and 50-90 ms of PostgreSQL: once per officer per second, three officers
took a fifth of the machine beside the answers themselves. So a render is shared:

- every change bumps the grid's version (a counter in the cache, after the commit), and the announcement carries
  that version: the page asks for its part "at least this new" (``?v=``, static/live.js);
- a render records the version it started from, read before its queries (every change counted up to it had
  committed, so the render shows it), and is kept in the cache; a request is served the kept render when it is
  at least as new as asked (as new as the counter, for a request that names no version), otherwise one
  request renders while the others, in any server process, wait a moment for its result.

The counter starts from the clock (in microseconds), so a counter that is lost (evicted, Redis restarted) starts
again above every version handed out before it: an old render is never taken for a newer one. Without the cache
(Redis away) every request renders its own grid, as before.

Nor does every answer announce itself: 5,000 announcements a minute were 5,000 messages through Redis to every
server process, a tenth of their CPU, to be coalesced there into one a second. An answer announces only when no
announcement of its grid has gone out in the last second (from any process); after each announcement the
processes follow the version counter (``stream.announcement``: ``follow``), reading it at the end of every second
and telling their officers when it has moved, so the answers that announced nothing reach them within a second
too. The gate opens before the processes' next look at the counter, so no answer falls between the two.
"""

import logging
import time
from collections.abc import Callable

from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

from messaging.bulletins import transport
from messaging.bulletins.audience import Audience

logger = logging.getLogger(__name__)

# What answers do not bump (an organisation renamed, a member who joined a sector) shows within this long: a kept
# render serves a page that names no newer version for this long at most.
KEEP_SECONDS = 10
VERSION_SECONDS = 24 * 60 * 60
# An answer announces itself only if no announcement of its grid went out within this long (from any process).
# Not longer than the stream's coalescing second: the gate must have opened again by the time the processes
# that heard the last announcement look at the counter.
ANNOUNCE_SECONDS = 1
# A renderer that died or hangs holds the others back this long at most; they render their own after WAIT.
LOCK_SECONDS = 10
WAIT_SECONDS = 2.0
POLL_SECONDS = 0.02


def part_name(check_in_id: int) -> str:
    return f"checkin-{check_in_id}-grid"


def _version_key(check_in_id: int) -> str:
    return f"checkin-grid:{check_in_id}:version"


def _render_key(check_in_id: int) -> str:
    return f"checkin-grid:{check_in_id}:render"


def _lock_key(check_in_id: int) -> str:
    return f"checkin-grid:{check_in_id}:rendering"


def _announced_key(check_in_id: int) -> str:
    return f"checkin-grid:{check_in_id}:announced"


def _start_counter(check_in_id: int) -> None:
    cache.add(_version_key(check_in_id), time.time_ns() // 1000, VERSION_SECONDS)


def current_version(check_in_id: int) -> int:
    """The grid's version now (started, from the clock, when there is none yet)."""
    version = cache.get(_version_key(check_in_id))
    if version is None:
        _start_counter(check_in_id)
        version = cache.get(_version_key(check_in_id))
    return version


def bump(check_in_id: int) -> int | None:
    """A change to the grid has committed: its new version (None when the cache is away: pages then render)."""
    try:
        try:
            return cache.incr(_version_key(check_in_id))
        except ValueError:  # no counter yet, or it expired
            _start_counter(check_in_id)
            return cache.incr(_version_key(check_in_id))
    except Exception:  # noqa: BLE001 - an answer is never failed by its announcement
        logger.warning("Could not bump check-in %s's grid version", check_in_id, exc_info=True)
        return None


def refresh_payload(check_in_id: int, *, version: int | None) -> dict:
    """The news that makes the officers' grids fetch their part again, at least at ``version``."""
    part = part_name(check_in_id)
    payload = {"type": "news", "toast": False, "refresh": [part], "coalesce": f"checkin-{check_in_id}"}
    if version is not None:
        payload["versions"] = {part: version}
    return payload


def answers_changed(check_in_id: int) -> None:
    """After an answer commits: bump the version; the officers' open grids fetch their part again, told by this
    answer's announcement, or, within a second of another one, by the processes following the counter."""
    version = bump(check_in_id)
    if version is not None and not _announce_now(check_in_id):
        return
    follow = {"part": part_name(check_in_id), "counter": _version_key(check_in_id)} if version is not None else None
    transport.announce(Audience.chosen(everyone=False), refresh_payload(check_in_id, version=version), follow=follow)


def _announce_now(check_in_id: int) -> bool:
    """Whether this change announces itself: none of its grid's did within ANNOUNCE_SECONDS (True without the
    cache: then every change announces, as the processes cannot follow the counter)."""
    try:
        return cache.add(_announced_key(check_in_id), True, ANNOUNCE_SECONDS)
    except Exception:  # noqa: BLE001 - an answer is never failed by its announcement
        return True


def grid_html(check_in_id: int, *, at_least: int | None, render: Callable[[], str]) -> SafeString:
    """The grid's HTML at least as new as ``at_least`` (None: as new as the counter), shared between requests:
    a kept render when it is new enough, else one rendered here, or by a request already rendering it.
    ``render`` must not depend on who asks (every officer is served the same HTML)."""
    deadline = time.monotonic() + WAIT_SECONDS
    try:
        wanted = at_least if at_least is not None else current_version(check_in_id)
        while True:
            kept = cache.get(_render_key(check_in_id))
            if kept is not None and kept[0] >= wanted:
                return mark_safe(kept[1])  # noqa: S308 - our own template's output, kept as it was rendered
            if cache.add(_lock_key(check_in_id), True, LOCK_SECONDS):
                break
            if time.monotonic() >= deadline:  # the renderer is slow or gone: do not keep this page waiting
                return mark_safe(render())  # noqa: S308 - our own template's output
            time.sleep(POLL_SECONDS)
    except Exception:  # noqa: BLE001 - the cache is away: every request renders its own grid
        logger.warning("The check-in grid cache is unavailable; rendering without it", exc_info=True)
        return mark_safe(render())  # noqa: S308 - our own template's output
    try:
        # Kept by the renderer that just let go of the lock, between this request's look and its taking the lock?
        kept = cache.get(_render_key(check_in_id))
        if kept is not None and kept[0] >= wanted:
            return mark_safe(kept[1])  # noqa: S308 - our own template's output, kept as it was rendered
        version = current_version(check_in_id)
        html = render()
        kept = cache.get(_render_key(check_in_id))
        if kept is None or kept[0] < version:
            cache.set(_render_key(check_in_id), (version, str(html)), KEEP_SECONDS)
        return mark_safe(html)  # noqa: S308 - our own template's output
    finally:
        cache.delete(_lock_key(check_in_id))
