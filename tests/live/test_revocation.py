"""Access taken away reaches open sockets at once, through the paths people really use: the lead's suspend
button, the admin's user form, allauth's "sign out other sessions", an organisation moving its premises. And a
replay answers with what the user may read now, never the whole history."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from messaging.bulletins.consumers import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED, REPLAY_WINDOW
from messaging.bulletins.models import Bulletin
from messaging.bulletins.payloads import make_cursor
from sectors import services as sector_services
from sectors.models import Borough, Membership, Sector
from tests.factories import OrganisationFactory, UserFactory, member_of, officer_user, with_mfa
from tests.live.helpers import (
    assert_closed_with,
    connect,
    hello,
    open_full_stack,
    publish,
    session_cookie_for,
    signed_in_client,
)

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


@pytest.fixture
def retail(db) -> Sector:
    return Sector.objects.get(slug="retail")


def _lead_of(sector: Sector):
    lead = with_mfa(member_of(sector, display_name="Retail lead"))
    roles.make_sector_lead(lead, sector)
    return lead


# Suspension ------------------------------------------------------------------------------------------------


async def test_suspending_through_the_leads_form_closes_the_members_socket_at_once(retail):
    member = await sync_to_async(member_of)(retail)
    lead = await sync_to_async(_lead_of)(retail)
    socket = await open_full_stack(await sync_to_async(session_cookie_for)(member))
    membership = await sync_to_async(Membership.objects.get)(user=member, sector=retail)

    def lead_suspends():
        url = reverse("sectors:suspend", args=[membership.pk])
        return signed_in_client(lead).post(url, {"reason": "Shared a bulletin."})

    assert (await sync_to_async(lead_suspends)()).status_code == 302
    await assert_closed_with(socket, CLOSE_FORBIDDEN)


# Roles removed in the admin --------------------------------------------------------------------------------


def _admin_saves_user(user, **changes) -> int:
    """The administrator's POST of the user change form (accounts.admin.UserAdmin), as the page would send it
    with ``changes`` applied: the status code of the answer."""
    admin = with_mfa(UserFactory(verified=True, is_staff=True, is_superuser=True))
    client = signed_in_client(admin)
    user.refresh_from_db()
    form = {
        "email": user.email, "display_name": user.display_name,
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"), "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "", "last_login_1": "",
        "groups": [str(pk) for pk in user.groups.values_list("pk", flat=True)],
        **({"is_active": "on"} if user.is_active else {}),
        **({"is_staff": "on"} if user.is_staff else {}),
        **({"is_superuser": "on"} if user.is_superuser else {}),
    }
    form.update(changes)
    form = {name: value for name, value in form.items() if value is not None}
    return client.post(reverse("admin:accounts_user_change", args=[user.pk]), form).status_code


async def test_removing_the_officer_role_in_the_admin_closes_the_socket(retail):
    officer = await sync_to_async(officer_user)()
    socket = await open_full_stack(await sync_to_async(session_cookie_for)(officer))
    assert await sync_to_async(_admin_saves_user)(officer, groups=[]) == 302
    await assert_closed_with(socket, CLOSE_FORBIDDEN)


async def test_unticking_superuser_in_the_admin_closes_the_socket(retail):
    """A superuser reads every bulletin as an officer does; losing the flag must end that too."""
    superuser = await sync_to_async(lambda: with_mfa(UserFactory(verified=True, is_superuser=True)))()
    socket = await open_full_stack(await sync_to_async(session_cookie_for)(superuser))
    assert await sync_to_async(_admin_saves_user)(superuser, is_superuser=None) == 302
    await assert_closed_with(socket, CLOSE_FORBIDDEN)


# Replay: what the user may read now, and only what the socket could have missed --------------------------------


def _backdate(bulletin: Bulletin, age: timedelta) -> Bulletin:
    Bulletin.objects.filter(pk=bulletin.pk).update(published_at=timezone.now() - age)
    bulletin.refresh_from_db()
    return bulletin


async def test_replay_rechecks_access_so_a_revoked_officer_gets_nothing(retail):
    """Even when no signal told the socket (a role taken away behind the ORM's back), a replay asks again."""
    officer = await sync_to_async(officer_user)()
    await sync_to_async(publish)(title="Earlier", sectors=[retail])
    socket = await connect(officer)
    await hello(socket)
    await sync_to_async(lambda: officer.groups.through.objects.filter(user_id=officer.pk).delete())()
    await socket.send_json_to({"type": "replay", "since": "0"})
    await assert_closed_with(socket, CLOSE_FORBIDDEN)


async def test_replay_from_cursor_zero_returns_only_the_recent_window_not_the_whole_history(retail):
    member = await sync_to_async(member_of)(retail)
    old = await sync_to_async(publish)(title="Last week", sectors=[retail])
    await sync_to_async(_backdate)(old, REPLAY_WINDOW + timedelta(days=6))
    recent = await sync_to_async(publish)(title="This morning", sectors=[retail])
    await sync_to_async(_backdate)(recent, timedelta(hours=3))
    socket = await connect(member)
    await hello(socket)
    await socket.send_json_to({"type": "replay", "since": "0"})
    message = await socket.receive_json_from(timeout=3)
    assert (message["type"], message["id"]) == ("bulletin", recent.pk)
    done = await socket.receive_json_from(timeout=3)
    # The client is told the replay did not reach back to its cursor: the rest is in the inbox.
    assert done == {"type": "replayed", "count": 1, "complete": False}
    await socket.disconnect()


async def test_replay_for_an_officer_is_bounded_too(retail):
    officer = await sync_to_async(officer_user)()
    for age in (timedelta(days=30), timedelta(days=2)):
        await sync_to_async(_backdate)(await sync_to_async(publish)(title=f"{age} ago", sectors=[retail]), age)
    socket = await connect(officer)
    await hello(socket)
    await socket.send_json_to({"type": "replay", "since": "0"})
    assert await socket.receive_json_from(timeout=3) == {"type": "replayed", "count": 0, "complete": False}
    await socket.disconnect()


async def test_an_old_cursor_with_nothing_missed_is_complete(retail):
    """A quiet week is not a gap: the client is told it has everything, and is not sent to the inbox."""
    member = await sync_to_async(member_of)(retail)
    last = await sync_to_async(_backdate)(await sync_to_async(publish)(title="Last week", sectors=[retail]),
                                          timedelta(days=7))
    socket = await connect(member)
    cursor = (await hello(socket))["cursor"]
    assert cursor == make_cursor(last.sequence)
    await socket.send_json_to({"type": "replay", "since": cursor})
    assert await socket.receive_json_from(timeout=3) == {"type": "replayed", "count": 0, "complete": True}
    await socket.disconnect()


async def test_replay_of_a_recent_cursor_is_complete(retail):
    member = await sync_to_async(member_of)(retail)
    socket = await connect(member)
    cursor = (await hello(socket))["cursor"]
    missed = await sync_to_async(publish)(title="Just now", sectors=[retail])
    assert (await socket.receive_json_from(timeout=3))["id"] == missed.pk
    await socket.send_json_to({"type": "replay", "since": cursor})
    assert await socket.receive_json_from(timeout=3) == {"type": "replayed", "count": 1, "complete": True}
    await socket.disconnect()


# Signing out other sessions (allauth.usersessions) -----------------------------------------------------------


def _log_in(user) -> Client:
    """Log in through allauth's form, as a browser does (which records the session for the sessions page)."""
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response
    return client


def _cookie(client: Client) -> bytes:
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


async def test_signing_out_other_sessions_closes_their_sockets_and_keeps_this_one(retail):
    member = await sync_to_async(member_of)(retail)
    laptop, phone = await sync_to_async(_log_in)(member), await sync_to_async(_log_in)(member)
    laptop_socket = await open_full_stack(_cookie(laptop))
    phone_socket = await open_full_stack(_cookie(phone))

    response = await sync_to_async(lambda: laptop.post(reverse("usersessions_list")))()
    assert response.status_code == 302

    await assert_closed_with(phone_socket, CLOSE_UNAUTHENTICATED)
    assert await laptop_socket.receive_nothing(timeout=0.5)
    await laptop_socket.send_json_to({"type": "ping"})
    assert await laptop_socket.receive_json_from(timeout=3) == {"type": "pong"}
    await laptop_socket.disconnect()


# An organisation moving its premises; a person moved to another organisation ----------------------------------


@pytest.fixture
def boroughs(db) -> tuple[Borough, Borough]:
    return Borough.objects.get(slug="westminster"), Borough.objects.get(slug="camden")


async def test_moving_premises_moves_the_sockets_borough_bulletins(retail, boroughs):
    westminster, camden = boroughs
    organisation = await sync_to_async(OrganisationFactory)(boroughs=[westminster])
    member = await sync_to_async(member_of)(retail, organisation=organisation)
    socket = await connect(member)
    await hello(socket)

    await sync_to_async(sector_services.update_organisation)(
        organisation, by=member, name=organisation.name, registered_number=organisation.registered_number,
        website=organisation.website, boroughs=[camden],
    )
    await sync_to_async(publish)(title="Westminster road closures", sectors=[retail], boroughs=[westminster])
    assert await socket.receive_nothing(timeout=0.5)
    camden_bulletin = await sync_to_async(publish)(title="Camden market", sectors=[retail], boroughs=[camden])
    assert (await socket.receive_json_from(timeout=3))["id"] == camden_bulletin.pk
    await socket.disconnect()


async def test_premises_changed_outside_the_service_refresh_too(retail, boroughs):
    """The admin's organisation form sets the boroughs directly (no sectors service): the sockets follow."""
    westminster, camden = boroughs
    organisation = await sync_to_async(OrganisationFactory)(boroughs=[westminster])
    member = await sync_to_async(member_of)(retail, organisation=organisation)
    socket = await connect(member)
    await hello(socket)

    def admin_moves():
        with transaction.atomic():
            organisation.boroughs.set([camden])

    await sync_to_async(admin_moves)()
    await sync_to_async(publish)(title="Westminster only", sectors=[retail], boroughs=[westminster])
    assert await socket.receive_nothing(timeout=0.5)
    await socket.disconnect()


async def test_moving_a_person_to_another_organisation_in_the_admin_refreshes_their_socket(retail, boroughs):
    westminster, camden = boroughs
    member = await sync_to_async(member_of)(
        retail, organisation=await sync_to_async(OrganisationFactory)(boroughs=[westminster]))
    elsewhere = await sync_to_async(OrganisationFactory)(boroughs=[camden])
    socket = await connect(member)
    await hello(socket)

    def admin_moves_person():
        member.organisation = elsewhere
        member.save()  # a whole-object save, as a ModelForm does

    await sync_to_async(admin_moves_person)()
    await sync_to_async(publish)(title="Westminster only", sectors=[retail], boroughs=[westminster])
    assert await socket.receive_nothing(timeout=0.5)
    await socket.disconnect()
