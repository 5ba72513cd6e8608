"""The live stream cannot skip: a push that never arrives (the channel layer refused it, or the publisher died
between its commit and its push) still reaches open sockets, in order, once, and only those still entitled."""

import threading
import time
from unittest import mock

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from messaging.bulletins import services, transport
from messaging.bulletins.models import Bulletin
from messaging.bulletins.payloads import make_cursor
from sectors import services as sector_services
from sectors.models import Membership, Sector
from tests.checkins.asking import ask_incident
from tests.factories import BulletinFactory, UserFactory, member_of, officer_user
from tests.live.helpers import connect, hello, publish

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

real_group_send = transport.group_send


@pytest.fixture
def retail(db) -> Sector:
    return Sector.objects.get(slug="retail")


def refusing(*kinds: str):
    """A channel layer that refuses messages of these types (as Redis does when it is down)."""
    def group_send(group: str, message: dict) -> None:
        if message["type"] in kinds:
            raise ConnectionError("Redis is down")
        real_group_send(group, message)
    return mock.patch.object(transport, "group_send", group_send)


async def test_a_bulletin_whose_push_was_lost_still_reaches_the_open_socket(retail, settings):
    settings.LIVE_STREAM_POLL_SECONDS = 0.2
    member = await sync_to_async(member_of)(retail)
    socket = await connect(member)
    await hello(socket)
    with refusing("live.bulletin"):
        lost = await sync_to_async(publish)(title="Pushed into the void", sectors=[retail])
    message = await socket.receive_json_from(timeout=3)
    assert (message["id"], message["cursor"]) == (lost.pk, make_cursor(lost.sequence))
    assert await socket.receive_nothing(timeout=0.5)  # once
    await socket.disconnect()


async def test_a_lost_push_is_delivered_before_the_next_one_in_order(retail, settings):
    settings.LIVE_STREAM_POLL_SECONDS = 60  # the next push, not the poll, must reveal the gap
    member = await sync_to_async(member_of)(retail)
    socket = await connect(member)
    await hello(socket)
    with refusing("live.bulletin"):
        lost = await sync_to_async(publish)(title="Lost", sectors=[retail])
    later = await sync_to_async(publish)(title="Later", sectors=[retail])
    received = [await socket.receive_json_from(timeout=3) for _ in range(2)]
    assert [m["id"] for m in received] == [lost.pk, later.pk]
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_a_bulletin_for_others_that_was_lost_is_not_sent_to_this_socket(retail, settings):
    settings.LIVE_STREAM_POLL_SECONDS = 0.2
    banking = await sync_to_async(Sector.objects.get)(slug="banking-and-finance")
    member = await sync_to_async(member_of)(retail)
    socket = await connect(member)
    await hello(socket)
    with refusing("live.bulletin"):
        await sync_to_async(publish)(title="For banks", sectors=[banking])
    assert await socket.receive_nothing(timeout=1)
    await socket.disconnect()


async def test_a_member_suspended_while_the_layer_is_down_gets_nothing_published_after(retail, settings):
    """The suspension's notice is refused with everything else; the socket has not heard of it. What the
    stream reads back from the database goes only to those with a Delivery, which the audience rule wrote at
    publish: the suspended member has none."""
    settings.LIVE_STREAM_POLL_SECONDS = 0.2
    suspended, colleague = await sync_to_async(member_of)(retail), await sync_to_async(member_of)(retail)
    suspended_socket, colleague_socket = await connect(suspended), await connect(colleague)
    await hello(suspended_socket)
    await hello(colleague_socket)

    def suspend_and_publish() -> Bulletin:
        membership = Membership.objects.get(user=suspended, sector=retail)
        sector_services.suspend_membership(membership, by=UserFactory(is_superuser=True), reason="Left")
        return publish(title="After the suspension", sectors=[retail])

    with refusing("live.bulletin", "live.notice"):
        bulletin = await sync_to_async(suspend_and_publish)()
    assert (await colleague_socket.receive_json_from(timeout=3))["id"] == bulletin.pk
    assert await suspended_socket.receive_nothing(timeout=0.5)
    await suspended_socket.disconnect()
    await colleague_socket.disconnect()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite runs one write transaction at a time")
async def test_publishes_are_numbered_in_the_order_they_commit(retail):
    """X is numbered inside its transaction but commits late; Y, published meanwhile, must come after it, or a
    client that saw Y would never be sent X."""
    officer = await sync_to_async(officer_user)()
    x, y = [await sync_to_async(BulletinFactory)(title=title, author=officer, sectors=[retail])
            for title in ("X", "Y")]
    numbered, release = threading.Event(), threading.Event()
    real_next_sequence = services._next_sequence

    def next_sequence_then_wait() -> int:
        number = real_next_sequence()
        if not numbered.is_set():
            numbered.set()
            release.wait(10)  # X holds its number, uncommitted
        return number

    def publish_one(bulletin) -> None:
        try:
            services.publish_bulletin(bulletin, by=officer)
        finally:
            connection.close()

    with mock.patch.object(services, "_next_sequence", next_sequence_then_wait):
        slow = threading.Thread(target=publish_one, args=(x,))
        slow.start()
        assert numbered.wait(10)
        fast = threading.Thread(target=publish_one, args=(y,))
        fast.start()
        time.sleep(0.5)
        assert fast.is_alive()  # Y waits for X's commit
        release.set()
        slow.join(10)
        fast.join(10)
    await sync_to_async(x.refresh_from_db)()
    await sync_to_async(y.refresh_from_db)()
    assert y.sequence == x.sequence + 1


async def test_a_withdrawal_reaches_the_sockets_of_its_audience_only(retail, settings):
    banking = await sync_to_async(Sector.objects.get)(slug="banking-and-finance")
    member, banker = await sync_to_async(member_of)(retail), await sync_to_async(member_of)(banking)
    member_socket, banker_socket = await connect(member), await connect(banker)
    await hello(member_socket)
    await hello(banker_socket)
    bulletin = await sync_to_async(publish)(title="Road closed", sectors=[retail])
    assert (await member_socket.receive_json_from(timeout=3))["id"] == bulletin.pk

    await sync_to_async(transport.broadcast_withdrawal)(bulletin.pk)
    assert await member_socket.receive_json_from(timeout=3) == {
        "type": "withdrawn", "id": bulletin.pk, "url": bulletin.get_absolute_url()}
    assert await banker_socket.receive_nothing(timeout=0.5)
    await member_socket.disconnect()
    await banker_socket.disconnect()


async def test_a_lost_check_in_question_still_reaches_the_socket_with_its_answers(retail, settings):
    settings.LIVE_STREAM_POLL_SECONDS = 0.2
    officer = await sync_to_async(officer_user)()
    member = await sync_to_async(member_of)(retail)
    socket = await connect(member)
    await hello(socket)
    with refusing("live.bulletin"):
        check_in = await sync_to_async(ask_incident)(officer, [retail])
    messages = [await socket.receive_json_from(timeout=3)]
    while messages[-1]["type"] != "bulletin" and len(messages) < 5:  # news refreshing the incident's pages first
        messages.append(await socket.receive_json_from(timeout=3))
    message = messages[-1]
    assert message["id"] == check_in.carrier_id
    assert message["check_in"] == check_in.live_answers  # the toast's answer buttons, caught up from the database
    await socket.disconnect()
