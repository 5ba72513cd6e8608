"""Sockets per user: each live socket holds one of its user's MAX_SOCKETS_PER_USER places, so that the cap
holds across daphne processes.

A user's places are counted in the shared cache (Redis in production, local memory on the embedded default,
which runs one process): one key per place, ``live.socket.<user>.<n>``, taken with an atomic add. A place is a
lease: each process's stream renews the places of all its sockets every SOCKET_LEASE_SECONDS / 3 in two round
trips (``stream.ProcessStream``), so a process killed with sockets open (that never releases them) keeps their
places for one lease at most. The consumer releases its place however it ends (``LiveConsumer.__call__``), a
crash included.

Renewing and releasing check that the place is still this socket's (its value is a random name per socket)
before they touch or delete it. Django's cache API has no compare-and-set or compare-and-delete, so the check
and the write are two calls, not one atomic step: a lease that lapses between them (it would have to go
unrenewed for SOCKET_LEASE_SECONDS and lapse in that one round trip) and is taken by another socket at that
instant can be extended or deleted by the old holder. The cost is bounded: one place counted twice, or one freed
early, until the next renewal round puts it right (renewal retakes a lapsed place; a socket that finds its place
taken takes another). A Lua script would make both atomic on Redis, but not on the local-memory cache.
"""

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.signals import setting_changed
from django.dispatch import receiver

MAX_SOCKETS_PER_USER = 10
SOCKET_LEASE_SECONDS = 90

_place_store = None


def place_store():
    """The cache that holds the places: one client for the whole process. Django's ``cache`` gives each async
    context its own client, i.e. each socket its own Redis connection: at 10,000 sockets Redis refused clients."""
    global _place_store
    if _place_store is None:
        _place_store = caches.create_connection(DEFAULT_CACHE_ALIAS)
    return _place_store


@receiver(setting_changed, dispatch_uid="live.place_store")
def _forget_place_store(setting: str, **kwargs) -> None:
    global _place_store
    if setting == "CACHES":
        _place_store = None


def socket_slot_keys(user_id: int) -> list[str]:
    return [f"live.socket.{user_id}.{n}" for n in range(MAX_SOCKETS_PER_USER)]


async def take_socket_slot(user_id: int, holder: str) -> str | None:
    """Take a free place for a socket of this user (``holder``: its channel name); None when all are held."""
    keys = socket_slot_keys(user_id)
    held = await place_store().aget_many(keys)
    for key in keys:
        if key not in held and await place_store().aadd(key, holder, timeout=SOCKET_LEASE_SECONDS):
            return key
    return None


async def renew_socket_slots(holders: dict[str, str]) -> set[str]:
    """Extend the leases of the places a process's sockets hold (``{key: holder}``), retaking any that lapsed
    meanwhile (a stalled process, a cache restart): two round trips for all of them. Returns the keys another
    socket holds now: their sockets have no place any more."""
    if not holders:
        return set()
    store = place_store()
    current = await store.aget_many(list(holders))
    ours = {key: holder for key, holder in holders.items() if current.get(key) in (None, holder)}
    await store.aset_many(ours, timeout=SOCKET_LEASE_SECONDS)
    return set(holders) - set(ours)


async def release_socket_slot(key: str, holder: str) -> None:
    """Give the place back, if it is still this socket's (a lapsed lease may belong to another one now)."""
    if await place_store().aget(key) == holder:
        await place_store().adelete(key)
