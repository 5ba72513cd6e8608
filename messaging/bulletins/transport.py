"""Live push of published bulletins to members' browsers over the channel layer.

How a bulletin reaches a browser:
- every live socket (``consumers.LiveConsumer``) joins one group per approved sector of its user
  (``live.sector.<id>``), the ``live.everyone`` group (members), ``live.officers`` (officers) and its own
  ``live.user.<id>`` group: ``socket_groups``;
- after the publishing transaction commits, ``broadcast_bulletin`` sends ONE message per targeted group
  (at most ~25 sectors), never one per recipient, so publishing to 10,000 members costs a handful of sends;
- the message carries the payload (``payloads.bulletin_payload``) and the bulletin's ``audience.Audience``; each
  consumer checks it against its user's ``audience.Reach`` (the same rule that chose the Delivery rows) before
  anything goes to the browser, and drops an id it has already sent (a member in two targeted sectors gets it
  once);
- every payload has a ``cursor`` (published time + id, ordered); a client that reconnects sends the last one it
  saw and ``selectors.replay_for`` returns what it missed, in order;
- anything that changes a user's access sends ``live.refresh`` (or ``live.session_ended``) to the user's group
  (``receivers``), and their sockets re-check or close;
- each socket holds one of its user's MAX_SOCKETS_PER_USER places (``take_socket_slot``), counted in the cache
  so that the cap holds across daphne processes.
"""

import asyncio
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache

from messaging.bulletins.audience import Audience, Reach
from messaging.bulletins.models import Bulletin
from messaging.bulletins.payloads import bulletin_payload

EVERYONE_GROUP = "live.everyone"
OFFICERS_GROUP = "live.officers"


def sector_group(sector_id: int) -> str:
    return f"live.sector.{sector_id}"


def user_group(user_id: int) -> str:
    return f"live.user.{user_id}"


def socket_groups(user_id: int, reach: Reach) -> list[str]:
    """The groups a socket of this user belongs in: enough to hear every bulletin its reach may receive."""
    groups = [user_group(user_id)]
    if reach.is_officer:
        groups.append(OFFICERS_GROUP)
    if reach.sector_ids:
        groups.append(EVERYONE_GROUP)
        groups += [sector_group(pk) for pk in sorted(reach.sector_ids)]
    return groups


def audience_groups(audience: Audience) -> list[str]:
    """The groups a bulletin is sent to: officers, and everyone or each targeted sector."""
    if audience.everyone:
        return [OFFICERS_GROUP, EVERYONE_GROUP]
    return [OFFICERS_GROUP, *(sector_group(pk) for pk in sorted(audience.sector_ids))]


def group_send(group: str, message: dict) -> None:
    """Send to a group from sync code: views, tasks and signal receivers."""
    send = async_to_sync(get_channel_layer().group_send)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        send(group, message)
        return
    # Sync code running in an event loop's thread (an async caller; Playwright's loop in the browser tests)
    # cannot block on the layer here: hand the send to a short-lived thread.
    worker = threading.Thread(target=send, args=(group, message))
    worker.start()
    worker.join()


def broadcast_bulletin(bulletin_id: int) -> None:
    """Send a just-published bulletin to the groups it targets. Call only after the publish has committed."""
    bulletin = Bulletin.objects.prefetch_related("sectors", "boroughs").get(pk=bulletin_id)
    audience = Audience.of(bulletin)
    message = {"type": "live.bulletin", "bulletin": bulletin_payload(bulletin), "audience": audience.as_message()}
    for group in audience_groups(audience):
        group_send(group, message)


def notify_user(user_id: int, message_type: str = "live.refresh", **fields) -> None:
    """Tell every open socket of one user something: ``live.refresh`` (re-check your access) by default."""
    group_send(user_group(user_id), {"type": message_type, **fields})


# Sockets per user ------------------------------------------------------------------------------------------------
#
# A user's open sockets are counted in the shared cache (Redis in production, local memory on the embedded
# default, which runs one process): one key per place, ``live.socket.<user>.<n>``, taken with an atomic add. A place
# is a lease: the socket renews it every SOCKET_LEASE_SECONDS / 3, so a process that is killed with sockets open
# (and never releases them) keeps their places for one lease at most, not forever. The consumer stops renewing
# and releases its place however it ends (LiveConsumer.__call__), a crash included.
#
# Renewing and releasing check that the place is still this socket's (its channel name is the value) before they
# touch or delete it. Django's cache API has no compare-and-set or compare-and-delete, so the check and the write
# are two calls, not one atomic step: a lease that lapses between them (it would have to go unrenewed for
# SOCKET_LEASE_SECONDS and lapse in that one round trip) and is taken by another socket at that instant can be
# extended or deleted by the old holder. The cost is bounded: one place counted twice, or one freed early, until
# the next renewal round puts it right (renew retakes a lapsed place; a socket that finds its place taken takes
# another). A Lua script would make both atomic on Redis, but not on the local-memory cache.

MAX_SOCKETS_PER_USER = 10
SOCKET_LEASE_SECONDS = 90


def socket_slot_keys(user_id: int) -> list[str]:
    return [f"live.socket.{user_id}.{n}" for n in range(MAX_SOCKETS_PER_USER)]


async def take_socket_slot(user_id: int, holder: str) -> str | None:
    """Take a free place for a socket of this user (``holder``: its channel name); None when all are held."""
    keys = socket_slot_keys(user_id)
    held = await cache.aget_many(keys)
    for key in keys:
        if key not in held and await cache.aadd(key, holder, timeout=SOCKET_LEASE_SECONDS):
            return key
    return None


async def renew_socket_slot(key: str, holder: str) -> bool:
    """Extend this socket's lease on its place, or take the place again if it lapsed meanwhile (a stalled
    process, a cache restart). False if another socket holds it now: the caller has no place any more."""
    current = await cache.aget(key)
    if current == holder and await cache.atouch(key, timeout=SOCKET_LEASE_SECONDS):
        return True
    if current is not None and current != holder:
        return False
    return await cache.aadd(key, holder, timeout=SOCKET_LEASE_SECONDS)


async def release_socket_slot(key: str, holder: str) -> None:
    """Give the place back, if it is still this socket's (a lapsed lease may belong to another one now)."""
    if await cache.aget(key) == holder:
        await cache.adelete(key)
