"""A socket whose consumer crashes (a database error, a pool timeout, daphne cancelling it after its close timeout)
never gets a disconnect(): it must still stop renewing its place and give it back, or ten crashes in a row (live.js
reconnects within a second) would leave the user locked out with 4429 until the process restarts."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache

from messaging.bulletins import places
from messaging.bulletins.consumers import LiveConsumer
from messaging.bulletins.places import MAX_SOCKETS_PER_USER
from messaging.bulletins.stream import process_stream
from sectors.models import Sector
from tests.factories import member_of
from tests.live.helpers import connect, hello

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


class DatabaseDown(Exception):
    pass


async def _raise(self):
    raise DatabaseDown("the database went away")


async def _hang(self):
    await asyncio.Event().wait()  # a query stuck on a pool timeout, until daphne cancels the application


def _sockets_in_the_stream(user_id: int) -> list:
    """The user's sockets whose places the process's stream renews."""
    return [socket for socket in process_stream().sockets if socket.user.pk == user_id]


async def _crash_at_connect(member, monkeypatch):
    monkeypatch.setattr(LiveConsumer, "_load_reach", _raise)
    socket = await connect(member)  # accepted, place taken, then the access check raises
    with pytest.raises(DatabaseDown):
        await socket.receive_output(timeout=3)


async def _crash_during_a_replay(member, monkeypatch):
    socket = await connect(member)
    cursor = (await hello(socket))["cursor"]
    monkeypatch.setattr(LiveConsumer, "_load_reach", _raise)
    await socket.send_json_to({"type": "replay", "since": cursor})
    with pytest.raises(DatabaseDown):
        await socket.receive_output(timeout=3)
    monkeypatch.undo()


async def _cancelled_by_the_server(member, monkeypatch):
    monkeypatch.setattr(LiveConsumer, "_load_reach", _hang)
    socket = await connect(member)
    await asyncio.sleep(0.05)
    socket.future.cancel()  # what daphne does to an application that outlives its close timeout
    with pytest.raises(asyncio.CancelledError):
        await socket.future


@pytest.mark.parametrize("crash", [_crash_at_connect, _crash_during_a_replay, _cancelled_by_the_server],
                         ids=["at-connect", "during-replay", "cancelled"])
async def test_a_crashed_socket_gives_its_place_back_and_stops_renewing_it(crash, monkeypatch):
    member = await sync_to_async(member_of)(await Sector.objects.aget(slug="retail"))
    for _ in range(MAX_SOCKETS_PER_USER):
        with monkeypatch.context() as patch:
            await crash(member, patch)

    assert await sync_to_async(cache.get_many)(places.socket_slot_keys(member.pk)) == {}
    assert _sockets_in_the_stream(member.pk) == []
    # Not locked out: the user can still open all their sockets.
    sockets = [await connect(member) for _ in range(MAX_SOCKETS_PER_USER)]
    for socket in sockets:
        await hello(socket)
    for socket in sockets:
        await socket.disconnect()


# Renewing and releasing only ever touch this socket's own place ------------------------------------------------


async def test_renewing_a_place_another_socket_took_since_fails_and_leaves_it_alone():
    key = places.socket_slot_keys(1)[0]
    await cache.aset(key, "another-socket", timeout=5)
    assert await places.renew_socket_slots({key: "this-socket"}) == {key}
    assert await cache.aget(key) == "another-socket"
    await places.release_socket_slot(key, "this-socket")
    assert await cache.aget(key) == "another-socket"


async def test_renewing_keeps_its_own_place_and_retakes_a_lapsed_one():
    key = places.socket_slot_keys(1)[0]
    await cache.aadd(key, "this-socket", timeout=5)
    assert await places.renew_socket_slots({key: "this-socket"}) == set()
    await cache.adelete(key)  # lapsed (a cache restart)
    assert await places.renew_socket_slots({key: "this-socket"}) == set()
    assert await cache.aget(key) == "this-socket"
    await places.release_socket_slot(key, "this-socket")
    assert await cache.aget(key) is None
