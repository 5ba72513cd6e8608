"""Permission matrix: every bridge scheduling/RSVP view x every role, with the exact status. Member A is Retail's
bridge representative, invited to a call on a Retail incident; the other Retail people see the call (the
incident's audience) but are not invited; Banking's people do not see it."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from messaging.bulletins import services as bulletin_services
from tests.bridge.conftest import appoint, in_future
from tests.conftest import ROLES, client_as

pytestmark = pytest.mark.django_db

MEMBER_VIEW = {"anonymous": 302, "unverified": 403, "applicant": 403, "member_a": 200, "member_b": 200,
               "lead_a": 200, "lead_b": 200, "moderator_a": 200, "officer": 200, "admin": 200}
SECTOR_A_ONLY = {**MEMBER_VIEW, "member_b": 404, "lead_b": 404}
OFFICER_ONLY = {role: 403 for role in ROLES} | {"anonymous": 302, "officer": 200, "admin": 200}
INVITEE_ONLY = {**SECTOR_A_ONLY, "lead_a": 403, "moderator_a": 403, "officer": 403, "admin": 403}
INVITEE_AND_OFFICERS = {**SECTOR_A_ONLY, "lead_a": 403, "moderator_a": 403}
# The e-mail's link to member A's answer: anyone holding it, unless signed in as someone else.
LINK_HOLDER = {role: 403 for role in ROLES} | {"anonymous": 200, "member_a": 200}


@pytest.fixture
def objects(people, sector_a, schedule):
    appoint(sector_a, people.member_a)
    incident = bulletin_services.open_incident(title="Incident A", sectors=[sector_a], boroughs=[], by=people.officer)
    call = schedule(sectors=[sector_a], incident=incident, by=people.officer, starts_at=in_future())
    message = next(m for m in mail.outbox if m.to == [people.member_a.email])
    token = re.search(r"/bridge/rsvp/([^/\s]+)/", message.body).group(1)
    return {"call": call, "link": token}


CASES = [
    ("get", "bridge:list", None, MEMBER_VIEW),
    ("get", "bridge:create", None, OFFICER_ONLY),
    ("post", "bridge:create", None, OFFICER_ONLY),  # nothing filled in: the form comes back with its errors
    ("get", "bridge:invitee_count", None, OFFICER_ONLY),
    ("get", "bridge:detail", "call", SECTOR_A_ONLY),
    ("get", "bridge:edit", "call", OFFICER_ONLY),
    ("post", "bridge:edit", "call", OFFICER_ONLY),  # nothing filled in: the form comes back
    ("get", "bridge:cancel", "call", OFFICER_ONLY),
    ("post", "bridge:cancel", "call", OFFICER_ONLY),  # no reason given: the form comes back
    ("post", "bridge:rsvp", "call", INVITEE_ONLY),  # no answer chosen: the call's page comes back with the error
    ("get", "bridge:ics", "call", INVITEE_AND_OFFICERS),
    ("get", "bridge:rsvp_link", "link", LINK_HOLDER),
    ("post", "bridge:rsvp_link", "link", LINK_HOLDER),  # no answer chosen: the page comes back with the error
]


def url_of(name, target, objects) -> str:
    if target is None:
        return reverse(name)
    value = objects[target]
    return reverse(name, args=[value if isinstance(value, str) else value.pk])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "name", "target", "expected"), CASES, ids=[f"{m} {n}" for m, n, _, _ in CASES])
def test_permission_matrix(client, people, objects, role, method, name, target, expected):
    response = getattr(client_as(client, people, role), method)(url_of(name, target, objects))
    assert response.status_code == expected[role]
    if expected[role] == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


def test_a_method_a_view_does_not_answer_is_405(client, people, objects):
    client.force_login(people.member_a)
    assert client.get(reverse("bridge:rsvp", args=[objects["call"].pk])).status_code == 405
    client.force_login(people.officer)
    assert client.post(reverse("bridge:invitee_count")).status_code == 405
