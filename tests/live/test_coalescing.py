"""Announcements that carry a "coalesce" key (a check-in's grid changed) reach a socket at most once a second per
key: the first at once, the rest of that second merged into one sent when it is over, with the last state. One
that follows a version counter (the grid's) keeps reading it once a second, and tells the socket when it moved,
with no announcement of its own (most answers announce nothing: messaging/checkins/live_grid)."""

import asyncio
import json
import time

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.core.cache import cache

from messaging.bulletins.audience import Audience
from messaging.bulletins.stream import STREAM_GROUP, announcement, merge_coalesced
from sectors.models import Sector
from tests.factories import member_of, officer_user
from tests.live.helpers import connect, hello

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def grid_news(n: int, key: str = "checkin-1", part: str = "checkin-1-grid") -> dict:
    return announcement(Audience.chosen(everyone=False),
                        {"type": "news", "toast": False, "refresh": [part], "coalesce": key, "n": n})


COUNTER = "test-grid-counter"


def following_news(version: int) -> dict:
    part = "checkin-1-grid"
    return announcement(Audience.chosen(everyone=False),
                        {"type": "news", "toast": False, "refresh": [part], "coalesce": "checkin-1",
                         "versions": {part: version}}, follow={"part": part, "counter": COUNTER})


async def officer_following(counter_at: int):
    """An officer's socket, past its hello, with the followed counter standing at ``counter_at``."""
    officer = await sync_to_async(officer_user)()
    socket = await connect(officer)
    await hello(socket)
    await cache.aset(COUNTER, counter_at)
    return socket


async def received(socket, *, within: float) -> list[dict]:
    """Every message the socket gets within ``within`` seconds (receive_nothing polls without cancelling the
    application, as a timed-out receive would)."""
    messages, ends = [], time.monotonic() + within
    while time.monotonic() < ends:
        if not await socket.receive_nothing(timeout=0.02, interval=0.005):
            messages.append(await socket.receive_json_from(timeout=1))
    return messages


async def test_fifty_announcements_in_a_tenth_of_a_second_reach_a_socket_as_at_most_two_messages():
    officer = await sync_to_async(officer_user)()
    socket = await connect(officer)
    await hello(socket)
    layer = get_channel_layer()
    for n in range(50):
        await layer.group_send(STREAM_GROUP, grid_news(n))
        await asyncio.sleep(0.002)
    messages = await received(socket, within=2.0)
    assert 1 <= len(messages) <= 2
    assert messages[0]["n"] == 0  # the first goes at once
    assert messages[-1]["n"] == 49  # and the last state arrives
    assert all(message["refresh"] == ["checkin-1-grid"] for message in messages)
    await socket.disconnect()


async def test_the_merged_announcement_names_every_part_to_refresh():
    officer = await sync_to_async(officer_user)()
    socket = await connect(officer)
    await hello(socket)
    layer = get_channel_layer()
    for part in ("checkin-1-grid", "checkin-1-grid", "checkin-1-pinned", "checkin-1-share"):
        await layer.group_send(STREAM_GROUP, grid_news(0, part=part))
    messages = await received(socket, within=1.6)
    assert [message["refresh"] for message in messages] == [
        ["checkin-1-grid"], ["checkin-1-grid", "checkin-1-pinned", "checkin-1-share"]]
    await socket.disconnect()


async def test_keys_are_coalesced_separately_and_other_news_is_not_held_back():
    retail = await sync_to_async(Sector.objects.get)(slug="retail")
    officer = await sync_to_async(officer_user)()
    member = await sync_to_async(member_of)(retail)
    officer_socket, member_socket = await connect(officer), await connect(member)
    await hello(officer_socket)
    await hello(member_socket)
    layer = get_channel_layer()
    await layer.group_send(STREAM_GROUP, grid_news(1, key="checkin-1"))
    await layer.group_send(STREAM_GROUP, grid_news(2, key="checkin-1"))  # held to the end of the second
    await layer.group_send(STREAM_GROUP, grid_news(3, key="checkin-2", part="checkin-2-grid"))  # another key
    plain = announcement(Audience.chosen(everyone=False), {"type": "news", "toast": False, "refresh": ["x"]})
    await layer.group_send(STREAM_GROUP, plain)
    first = await received(officer_socket, within=0.5)
    # The held one waits without the stream's lock: what came after it is sent meanwhile, in order.
    assert [message.get("n") for message in first] == [1, 3, None]
    assert [message.get("n") for message in await received(officer_socket, within=1.0)] == [2]
    assert await member_socket.receive_nothing(timeout=0.2)  # officers only, as before
    await officer_socket.disconnect()
    await member_socket.disconnect()


async def test_a_key_quiet_for_a_second_sends_its_next_announcement_at_once():
    officer = await sync_to_async(officer_user)()
    socket = await connect(officer)
    await hello(socket)
    layer = get_channel_layer()
    await layer.group_send(STREAM_GROUP, grid_news(1))
    assert (await socket.receive_json_from(timeout=1))["n"] == 1
    await asyncio.sleep(1.05)
    started = time.monotonic()
    await layer.group_send(STREAM_GROUP, grid_news(2))
    assert (await socket.receive_json_from(timeout=1))["n"] == 2
    assert time.monotonic() - started < 0.5
    await socket.disconnect()


@pytest.mark.filterwarnings("ignore:The test")
def test_merging_keeps_the_latest_payload_and_joins_the_refresh_lists():
    first, second = grid_news(1, part="a"), grid_news(2, part="b")
    merged = merge_coalesced(merge_coalesced(None, first), second)
    assert merged["payload"]["n"] == 2 and merged["payload"]["refresh"] == ["a", "b"]


async def test_a_followed_counter_that_moves_reaches_the_socket_without_an_announcement_of_its_own():
    socket = await officer_following(10)
    await get_channel_layer().group_send(STREAM_GROUP, following_news(10))
    first = await socket.receive_json_from(timeout=1)
    assert first["versions"] == {"checkin-1-grid": 10}
    assert "follow" not in first and COUNTER not in json.dumps(first)  # the counter's key stays on the server
    await cache.aset(COUNTER, 12)  # two answers that announced nothing
    started = time.monotonic()
    told = await socket.receive_json_from(timeout=2)
    assert told["versions"] == {"checkin-1-grid": 12} and told["refresh"] == ["checkin-1-grid"]
    assert time.monotonic() - started < 1.5
    await cache.aset(COUNTER, 13)
    assert (await socket.receive_json_from(timeout=2))["versions"] == {"checkin-1-grid": 13}  # and on, while it moves
    assert await received(socket, within=1.3) == []  # still: nothing more
    await socket.disconnect()


async def test_a_followed_counter_at_rest_sends_nothing_more_and_the_next_announcement_goes_at_once():
    socket = await officer_following(20)
    layer = get_channel_layer()
    await layer.group_send(STREAM_GROUP, following_news(20))
    assert (await socket.receive_json_from(timeout=1))["versions"] == {"checkin-1-grid": 20}
    assert await received(socket, within=1.3) == []
    await cache.aset(COUNTER, 21)
    started = time.monotonic()
    await layer.group_send(STREAM_GROUP, following_news(21))
    assert (await socket.receive_json_from(timeout=1))["versions"] == {"checkin-1-grid": 21}
    assert time.monotonic() - started < 0.5
    await socket.disconnect()


async def test_an_announcement_held_back_goes_with_the_counter_when_that_is_newer():
    socket = await officer_following(30)
    layer = get_channel_layer()
    await layer.group_send(STREAM_GROUP, following_news(30))
    await layer.group_send(STREAM_GROUP, following_news(31))  # within the second: held back
    await cache.aset(COUNTER, 33)  # and two more answers that announced nothing
    messages = await received(socket, within=1.6)
    assert [message["versions"]["checkin-1-grid"] for message in messages] == [30, 33]
    await socket.disconnect()
