"""Who sees how to join: the dial-in numbers, PIN and join link go to officers and the people a call admits only;
the rest of the incident's audience sees that a call is scheduled and when."""

import pytest
from django.urls import reverse

from messaging.bridge import services
from messaging.bridge.models import Invitation
from messaging.bulletins import services as bulletin_services
from tests.factories import member_of

pytestmark = pytest.mark.django_db

SECRETS = ("7946 0000", "123456", "https://meet.example.org/bridge")


@pytest.fixture
def call(schedule, officer, reps, sector_a, committed):
    incident = bulletin_services.open_incident(title="Flood at Victoria", sectors=[sector_a], boroughs=[],
                                               by=officer)
    call = schedule(sectors=[sector_a], incident=incident)
    committed(services.respond, Invitation.objects.get(call=call, user=reps["cathy"]), by=reps["cathy"],
              response="delegated", delegate=member_of(sector_a, organisation=reps["cathy"].organisation,
                                                       display_name="Della Delegate"))
    return call


def viewer(role, reps, officer, sector_a, sector_b):
    return {
        "officer": officer, "invitee": reps["rita"], "deputy": reps["dave"],
        "delegate": Invitation.objects.get(user=reps["cathy"]).delegate,
        "audience_not_invited": reps["colleague"], "other_sector": member_of(sector_b), "anonymous": None,
    }[role]


@pytest.mark.parametrize(("role", "status", "sees_dial_in"), [
    ("officer", 200, True), ("invitee", 200, True), ("deputy", 200, True), ("delegate", 200, True),
    ("audience_not_invited", 200, False), ("other_sector", 404, False), ("anonymous", 302, False),
])
def test_dial_in_details_per_role(client, call, reps, officer, sector_a, sector_b, role, status, sees_dial_in):
    person = viewer(role, reps, officer, sector_a, sector_b)
    if person is not None:
        client.force_login(person)
    response = client.get(reverse("bridge:detail", args=[call.pk]))
    assert response.status_code == status
    page = response.content.decode()
    for secret in SECRETS:
        assert (secret in page) is sees_dial_in, secret
    if status == 200:
        assert call.title in page and "London time" in page
    fragment = client.get(reverse("bridge:detail", args=[call.pk]), {"fragment": "status"}).content.decode()
    assert all(secret not in fragment for secret in SECRETS)


def test_the_calendar_file_follows_the_same_rule(client, call, reps):
    client.force_login(reps["colleague"])
    assert client.get(reverse("bridge:ics", args=[call.pk])).status_code == 403
    client.force_login(Invitation.objects.get(user=reps["cathy"]).delegate)
    assert client.get(reverse("bridge:ics", args=[call.pk])).status_code == 200


def test_the_officer_sees_the_answers_and_the_chairs_links(client, call, officer):
    client.force_login(officer)
    page = client.get(reverse("bridge:detail", args=[call.pk])).content.decode()
    assert "1 sending a delegate" in page and "1 not answered" in page
    for name in ("bridge:edit", "bridge:cancel", "bridge:roll_call", "bridge:summary"):
        assert reverse(name, args=[call.pk]) in page


def test_the_invitee_sees_their_own_invitation_with_the_answer_buttons(client, call, reps):
    client.force_login(reps["rita"])
    page = client.get(reverse("bridge:detail", args=[call.pk])).content.decode()
    assert "You are invited as a bridge representative of Retail" in page
    assert reverse("bridge:rsvp", args=[call.pk]) in page
    client.force_login(reps["colleague"])
    page = client.get(reverse("bridge:detail", args=[call.pk])).content.decode()
    assert reverse("bridge:rsvp", args=[call.pk]) not in page and "sent to the people invited" in page
