"""The live socket: who may connect, what each member receives, replay after reconnect, bad input."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from messaging.bulletins.consumers import CLOSE_FORBIDDEN, CLOSE_TOO_BIG, CLOSE_UNAUTHENTICATED
from messaging.bulletins.models import SENSITIVE_PLACEHOLDER
from messaging.bulletins.payloads import make_cursor
from sectors import services as sector_services
from sectors.models import Borough, Membership, Sector
from tests.factories import OrganisationFactory, UserFactory, member_of, officer_user, with_mfa
from tests.live.helpers import (
    assert_closed_with,
    browser_headers,
    client_with,
    connect,
    full_stack_socket,
    hello,
    publish,
    session_cookie_for,
)

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def sectors(db):
    return Sector.objects.get(slug="retail"), Sector.objects.get(slug="banking-and-finance")


async def test_anonymous_is_closed_with_4401():
    communicator = await connect(None)
    await assert_closed_with(communicator, CLOSE_UNAUTHENTICATED)


async def test_user_without_approved_membership_is_closed_with_4403(sectors):
    retail, _ = sectors
    applicant = await sync_to_async(member_of)()
    await sync_to_async(Membership.objects.create)(user=applicant, sector=retail, statement="Please")
    communicator = await connect(applicant)
    await assert_closed_with(communicator, CLOSE_FORBIDDEN)


async def test_member_receives_bulletins_for_their_sectors_only(sectors):
    retail, banking = sectors
    retail_member = await sync_to_async(member_of)(retail)
    banking_member = await sync_to_async(member_of)(banking)
    retail_socket = await connect(retail_member)
    banking_socket = await connect(banking_member)
    await hello(retail_socket)
    await hello(banking_socket)

    bulletin = await sync_to_async(publish)(title="Protest march on Oxford Street", sectors=[retail])

    message = await retail_socket.receive_json_from(timeout=3)
    assert message["type"] == "bulletin"
    assert message["id"] == bulletin.pk
    assert message["title"] == "Protest march on Oxford Street"
    assert message["url"] == bulletin.get_absolute_url()
    assert "Oxford Street" in message["summary"]
    assert await banking_socket.receive_nothing(timeout=0.3)
    await retail_socket.disconnect()
    await banking_socket.disconnect()


async def test_member_of_two_targeted_sectors_receives_it_once(sectors):
    retail, banking = sectors
    both = await sync_to_async(member_of)(retail, banking)
    socket = await connect(both)
    await hello(socket)
    bulletin = await sync_to_async(publish)(title="Card skimming gang", sectors=[retail, banking])
    message = await socket.receive_json_from(timeout=3)
    assert message["id"] == bulletin.pk
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_borough_targeting_reaches_only_organisations_with_premises_there(sectors, westminster):
    retail, _ = sectors
    camden = await sync_to_async(Borough.objects.get)(slug="camden")
    in_westminster = await sync_to_async(member_of)(
        retail, organisation=await sync_to_async(OrganisationFactory)(boroughs=[westminster])
    )
    in_camden = await sync_to_async(member_of)(
        retail, organisation=await sync_to_async(OrganisationFactory)(boroughs=[camden])
    )
    near, far = await connect(in_westminster), await connect(in_camden)
    await hello(near)
    await hello(far)
    bulletin = await sync_to_async(publish)(title="Road closures", sectors=[retail], boroughs=[westminster])
    assert (await near.receive_json_from(timeout=3))["id"] == bulletin.pk
    assert await far.receive_nothing(timeout=0.3)
    await near.disconnect()
    await far.disconnect()


async def test_official_sensitive_sends_the_placeholder_and_link_only(sectors):
    retail, _ = sectors
    member = await sync_to_async(member_of)(retail)
    socket = await connect(member)
    await hello(socket)
    bulletin = await sync_to_async(publish)(
        title="Threat assessment", body="Names of premises at risk", sectors=[retail], sensitive=True
    )
    message = await socket.receive_json_from(timeout=3)
    assert message["id"] == bulletin.pk
    assert message["title"] == SENSITIVE_PLACEHOLDER  # not its title (issue 19)
    assert message["sensitive"] is True
    assert "summary" not in message
    assert "Names of premises" not in json.dumps(message)
    await socket.disconnect()


async def test_officer_receives_every_bulletin(sectors):
    _, banking = sectors
    officer = await sync_to_async(UserFactory)(verified=True)
    group = await sync_to_async(Group.objects.get)(name=roles.OFFICERS)
    await sync_to_async(officer.groups.add)(group)
    # Without two-factor set up, an officer gets no feed (as they get no page).
    socket = await connect(officer)
    await assert_closed_with(socket, CLOSE_FORBIDDEN)
    await sync_to_async(with_mfa)(officer)
    socket = await connect(officer)
    assert (await hello(socket))["officer"] is True
    bulletin = await sync_to_async(publish)(title="Fraud alert", sectors=[banking])
    assert (await socket.receive_json_from(timeout=3))["id"] == bulletin.pk
    await socket.disconnect()


async def test_replay_after_reconnect_returns_missed_bulletins_in_order_once(sectors):
    retail, _ = sectors
    member = await sync_to_async(member_of)(retail)
    first = await sync_to_async(publish)(title="Before", sectors=[retail])
    socket = await connect(member)
    cursor = (await hello(socket))["cursor"]
    assert cursor == make_cursor(first.sequence)
    await socket.disconnect()

    # The laptop sleeps through three updates.
    missed = [await sync_to_async(publish)(title=f"Update {n}", sectors=[retail]) for n in (1, 2, 3)]

    socket = await connect(member)
    await hello(socket)
    await socket.send_json_to({"type": "replay", "since": cursor})
    received = [await socket.receive_json_from(timeout=3) for _ in range(3)]
    assert [m["id"] for m in received] == [b.pk for b in missed]
    assert [m["title"] for m in received] == ["Update 1", "Update 2", "Update 3"]
    assert await socket.receive_json_from(timeout=3) == {"type": "replayed", "count": 3, "complete": True}

    # Asking again on the same socket sends nothing twice.
    await socket.send_json_to({"type": "replay", "since": cursor})
    assert await socket.receive_json_from(timeout=3) == {"type": "replayed", "count": 3, "complete": True}
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_replay_never_includes_bulletins_addressed_to_others(sectors):
    retail, banking = sectors
    member = await sync_to_async(member_of)(retail)
    start = await sync_to_async(publish)(title="Start", sectors=[retail])
    await sync_to_async(publish)(title="For banks", sectors=[banking])
    socket = await connect(member)
    await hello(socket)
    await socket.send_json_to({"type": "replay", "since": make_cursor(start.sequence)})
    assert await socket.receive_json_from(timeout=3) == {"type": "replayed", "count": 0, "complete": True}
    await socket.disconnect()


async def test_suspension_closes_the_members_socket(sectors):
    retail, _ = sectors
    member = await sync_to_async(member_of)(retail)
    socket = await connect(member)
    await hello(socket)
    membership = await sync_to_async(Membership.objects.get)(user=member, sector=retail)
    await sync_to_async(suspend)(membership)
    await assert_closed_with(socket, CLOSE_FORBIDDEN)


def suspend(membership) -> None:
    officer = UserFactory(is_superuser=True)
    sector_services.suspend_membership(membership, by=officer, reason="Left the organisation")


@pytest.mark.parametrize(
    ("frame", "expected_error"),
    [
        ("this is not json", "That was not JSON."),
        ('["a", "list"]', "Send a JSON object with a type."),
        ('{"type": "explode"}', "Unknown message type."),
        ('{"type": "replay", "since": "yesterday"}', "replay needs the cursor of the last bulletin seen."),
    ],
)
async def test_malformed_messages_get_an_error_and_the_socket_stays_open(sectors, frame, expected_error):
    retail, _ = sectors
    member = await sync_to_async(member_of)(retail)
    socket = await connect(member)
    await hello(socket)
    await socket.send_to(text_data=frame)
    assert await socket.receive_json_from(timeout=3) == {"type": "error", "error": expected_error}
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=3) == {"type": "pong"}
    await socket.disconnect()


async def test_binary_frames_are_refused(sectors):
    retail, _ = sectors
    socket = await connect(await sync_to_async(member_of)(retail))
    await hello(socket)
    await socket.send_to(bytes_data=b"\x00\x01")
    assert (await socket.receive_json_from(timeout=3))["type"] == "error"
    await socket.disconnect()


async def test_huge_payload_closes_with_1009(sectors):
    retail, _ = sectors
    socket = await connect(await sync_to_async(member_of)(retail))
    await hello(socket)
    await socket.send_to(text_data=json.dumps({"type": "ping", "pad": "x" * 100_000}))
    await assert_closed_with(socket, CLOSE_TOO_BIG)


# The real ASGI stack: routing, the Origin check and the session cookie ------------------------------


async def test_full_stack_accepts_a_logged_in_member_from_an_allowed_origin(sectors):
    retail, _ = sectors
    member = await sync_to_async(member_of)(retail)
    cookie = await sync_to_async(session_cookie_for)(member)
    communicator = await full_stack_socket(browser_headers(cookie))
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from(timeout=3))["type"] == "hello"
    await communicator.disconnect()


async def test_full_stack_refuses_a_foreign_origin(sectors):
    retail, _ = sectors
    member = await sync_to_async(member_of)(retail)
    cookie = await sync_to_async(session_cookie_for)(member)
    communicator = await full_stack_socket(browser_headers(cookie, origin=b"http://evil.example"))
    connected, _ = await communicator.connect()
    assert not connected


async def test_full_stack_without_session_is_closed_with_4401():
    communicator = await full_stack_socket(browser_headers())
    connected, _ = await communicator.connect()
    assert connected
    await assert_closed_with(communicator, CLOSE_UNAUTHENTICATED)


async def test_first_time_client_gets_a_starting_cursor_and_replays_what_it_missed(sectors):
    """A member with no bulletins yet still gets a cursor, so a first disconnect loses nothing."""
    retail, _ = sectors
    member = await sync_to_async(member_of)(retail)
    socket = await connect(member)
    cursor = (await hello(socket))["cursor"]
    assert cursor is not None
    await socket.disconnect()
    missed = await sync_to_async(publish)(title="While you were away", sectors=[retail])
    socket = await connect(member)
    await hello(socket)
    await socket.send_json_to({"type": "replay", "since": cursor})
    message = await socket.receive_json_from(timeout=5)
    assert (message["type"], message["id"]) == ("bulletin", missed.pk)
    assert (await socket.receive_json_from(timeout=5))["type"] == "replayed"
    await socket.disconnect()


async def test_logging_out_closes_that_sessions_socket_only(sectors):
    retail, _ = sectors
    member = await sync_to_async(member_of)(retail)
    laptop = await sync_to_async(session_cookie_for)(member)
    phone = await sync_to_async(session_cookie_for)(member)
    sockets = []
    for cookie in (laptop, phone):
        socket = await full_stack_socket(browser_headers(cookie))
        assert (await socket.connect())[0]
        assert (await socket.receive_json_from(timeout=3))["type"] == "hello"
        sockets.append(socket)
    response = await sync_to_async(lambda: client_with(laptop).post(reverse("account_logout")))()
    assert response.status_code == 302
    await assert_closed_with(sockets[0], CLOSE_UNAUTHENTICATED)
    assert await sockets[1].receive_nothing(timeout=0.5)
    await sockets[1].disconnect()


async def test_changing_the_password_closes_the_other_sessions_sockets(sectors):
    retail, _ = sectors
    member = await sync_to_async(member_of)(retail)
    here = await sync_to_async(session_cookie_for)(member)
    elsewhere = await sync_to_async(session_cookie_for)(member)
    socket = await full_stack_socket(browser_headers(elsewhere))
    assert (await socket.connect())[0]
    assert (await socket.receive_json_from(timeout=3))["type"] == "hello"
    response = await sync_to_async(lambda: client_with(here).post(reverse("account_change_password"), {
        "oldpassword": "correct-horse-battery", "password1": "a-brand-new-passphrase",
        "password2": "a-brand-new-passphrase"}))()
    assert response.status_code == 302
    await assert_closed_with(socket, CLOSE_UNAUTHENTICATED)


async def test_leaving_the_officers_group_closes_the_socket(sectors):
    officer = await sync_to_async(officer_user)()
    group = await sync_to_async(Group.objects.get)(name=roles.OFFICERS)
    socket = await connect(officer)
    assert (await hello(socket))["officer"] is True
    await sync_to_async(officer.groups.remove)(group)
    await assert_closed_with(socket, CLOSE_FORBIDDEN)


async def test_a_bulletin_for_everyone_reaches_members_of_any_sector(sectors):
    retail, banking = sectors
    sockets = [await connect(await sync_to_async(member_of)(sector)) for sector in (retail, banking)]
    for socket in sockets:
        await hello(socket)
    bulletin = await sync_to_async(publish)(title="City-wide advice", everyone=True)
    for socket in sockets:
        assert (await socket.receive_json_from(timeout=3))["id"] == bulletin.pk
        await socket.disconnect()


async def test_deactivating_a_user_closes_their_socket(sectors):
    retail, _ = sectors
    member = await sync_to_async(member_of)(retail)
    socket = await connect(member)
    await hello(socket)
    member.is_active = False
    await sync_to_async(member.save)(update_fields=["is_active"])
    await assert_closed_with(socket, CLOSE_FORBIDDEN)
