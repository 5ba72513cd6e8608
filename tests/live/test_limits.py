"""What one user can make the live socket cost: replays per socket, sockets per user, and the price of a
replay (one query, nothing rendered)."""

import asyncio
from datetime import timedelta
from unittest import mock

import markdown
import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.utils import timezone

from accounts import roles
from messaging.bulletins import consumers, places, selectors
from messaging.bulletins.consumers import CLOSE_TOO_MANY_SOCKETS, MAX_REPLAYS
from messaging.bulletins.payloads import make_cursor, parse_cursor
from messaging.bulletins.places import MAX_SOCKETS_PER_USER
from messaging.bulletins.stream import current_position
from sectors.models import Sector
from tests.factories import member_of, officer_user
from tests.live.helpers import assert_closed_with, connect, hello, publish

live_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def retail(db) -> Sector:
    return Sector.objects.get(slug="retail")


# Replays per socket ----------------------------------------------------------------------------------------


@pytest.mark.asyncio
@live_db
async def test_replays_beyond_the_limit_are_refused_with_an_error_and_not_run(retail):
    member = await sync_to_async(member_of)(retail)
    socket = await connect(member)
    cursor = (await hello(socket))["cursor"]
    for _ in range(MAX_REPLAYS):
        await socket.send_json_to({"type": "replay", "since": cursor})
        assert (await socket.receive_json_from(timeout=3))["type"] == "replayed"
    with mock.patch.object(selectors, "replay_for", wraps=selectors.replay_for) as replay_for:
        await socket.send_json_to({"type": "replay", "since": cursor})
        answer = await socket.receive_json_from(timeout=3)
    assert answer["type"] == "error" and "Too many replay requests" in answer["error"]
    replay_for.assert_not_called()
    # The socket stays open and keeps its live feed.
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=3) == {"type": "pong"}
    await socket.disconnect()


@pytest.mark.asyncio
@live_db
async def test_the_replay_budget_comes_back_after_the_period(retail, monkeypatch):
    monkeypatch.setattr(consumers, "REPLAY_PERIOD", 0.5)
    socket = await connect(await sync_to_async(member_of)(retail))
    cursor = (await hello(socket))["cursor"]
    for _ in range(MAX_REPLAYS + 1):
        await socket.send_json_to({"type": "replay", "since": cursor})
        await socket.receive_json_from(timeout=3)
    await asyncio.sleep(0.6)
    await socket.send_json_to({"type": "replay", "since": cursor})
    assert (await socket.receive_json_from(timeout=3))["type"] == "replayed"
    await socket.disconnect()


# Sockets per user ------------------------------------------------------------------------------------------


async def _open_sockets(user, count: int) -> list:
    sockets = []
    for _ in range(count):
        socket = await connect(user)
        await hello(socket)
        sockets.append(socket)
    return sockets


@pytest.mark.asyncio
@live_db
async def test_one_socket_too_many_is_closed_with_4429_and_a_closed_one_frees_its_place(retail):
    member = await sync_to_async(member_of)(retail)
    sockets = await _open_sockets(member, MAX_SOCKETS_PER_USER)
    extra = await connect(member)
    await assert_closed_with(extra, CLOSE_TOO_MANY_SOCKETS)
    # Another user is not affected.
    other = await connect(await sync_to_async(member_of)(retail))
    await hello(other)
    await other.disconnect()
    # Closing a tab gives its place to the next.
    await sockets.pop().disconnect()
    again = await connect(member)
    await hello(again)
    for socket in [*sockets, again]:
        await socket.disconnect()


@pytest.mark.asyncio
@live_db
async def test_a_socket_the_server_closed_gives_its_place_back(retail):
    officer = await sync_to_async(officer_user)()
    sockets = await _open_sockets(officer, MAX_SOCKETS_PER_USER)
    await sync_to_async(officer.groups.clear)()  # the role goes: every socket closes
    for socket in sockets:
        await assert_closed_with(socket, consumers.CLOSE_FORBIDDEN)
    assert await sync_to_async(cache.get_many)(places.socket_slot_keys(officer.pk)) == {}


@pytest.mark.asyncio
@live_db
async def test_places_held_by_a_dead_process_expire_but_live_sockets_keep_theirs(retail, monkeypatch):
    monkeypatch.setattr(places, "SOCKET_LEASE_SECONDS", 1)
    member = await sync_to_async(member_of)(retail)
    # A process killed with all ten of this user's sockets open: nobody releases the places.
    for key in places.socket_slot_keys(member.pk):
        await sync_to_async(cache.add)(key, "a-dead-process", timeout=1)
    refused = await connect(member)
    await assert_closed_with(refused, CLOSE_TOO_MANY_SOCKETS)
    await asyncio.sleep(1.3)
    # Their leases ran out; live sockets renew theirs, so after the same wait they still count.
    sockets = await _open_sockets(member, MAX_SOCKETS_PER_USER)
    await asyncio.sleep(1.5)
    extra = await connect(member)
    await assert_closed_with(extra, CLOSE_TOO_MANY_SOCKETS)
    for socket in sockets:
        await socket.disconnect()


# The price of a replay ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_replaying_40_bulletins_is_one_query_and_renders_no_markdown(retail, django_assert_num_queries, monkeypatch):
    member = member_of(retail)
    officer = officer_user()
    cursor = parse_cursor(make_cursor(current_position()))
    published = [publish(title=f"Update {n}", body=f"**Road** closed, *{n}*", sectors=[retail], by=officer)
                 for n in range(40)]
    publish(title="Sensitive", body="Names of premises", sectors=[retail], sensitive=True, by=officer)
    roles.is_officer(member)  # a socket has its user's roles loaded (it re-checks access before a replay)
    renders = mock.Mock(wraps=markdown.markdown)
    monkeypatch.setattr(markdown, "markdown", renders)

    with django_assert_num_queries(1):
        payloads = selectors.replay_for(member, cursor, not_before=timezone.now() - timedelta(hours=1))

    renders.assert_not_called()
    assert [payload["id"] for payload in payloads[:40]] == [bulletin.pk for bulletin in published]
    assert payloads[0]["summary"] == "Road closed, 0"
    assert payloads[40]["sensitive"] is True and "summary" not in payloads[40]
