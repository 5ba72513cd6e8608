"""Permission matrix: the chair's pages (roll call, attendance, decisions and actions, summary) x every role.

The call is chaired by people.officer and under way; people.admin is an officer (a superuser) who is not its chair:
they may look at the roll call but not keep it. Members never reach these pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging.bridge import minutes
from messaging.bridge.models import BridgeCall, Invitation, Outcome
from tests.conftest import ROLES, client_as

pytestmark = pytest.mark.django_db

NOT_OFFICERS = {role: 403 for role in ROLES} | {"anonymous": 302}
CHAIR_PAGE = NOT_OFFICERS | {"officer": 200, "admin": 200}  # other officers read it
CHAIR_ONLY = NOT_OFFICERS | {"officer": 200, "admin": 403}
CHAIR_ACTION = NOT_OFFICERS | {"officer": 302, "admin": 403}


@pytest.fixture
def objects(people, sector_a):
    starts = timezone.now() - timedelta(minutes=10)
    call = BridgeCall.objects.create(title="Under way", starts_at=starts, dial_in="020 7946 0000", access_pin="1234",
                                     chair=people.officer, created_by=people.officer)
    invitation = Invitation.objects.create(call=call, user=people.member_a, sector=sector_a)
    outcome = minutes.record_outcome(call, kind=Outcome.Kind.DECISION, text="Doors shut.", by=people.officer)
    return {"call": call, "invitation": invitation, "outcome": outcome}


# (method, route name, target, expected); the target names the objects whose ids the route takes.
CASES = [
    ("get", "bridge:roll_call", "call", CHAIR_PAGE),
    ("post", "bridge:attendance", "invitation", CHAIR_ACTION),
    ("get", "bridge:outcome_create", "call", CHAIR_ACTION),  # the form lives on the roll call page: sent there
    ("post", "bridge:outcome_create", "call", CHAIR_ONLY),  # nothing typed: the page comes back with the errors
    ("post", "bridge:outcome_delete", "outcome", CHAIR_ACTION),
    ("get", "bridge:summary", "call", CHAIR_ONLY),
    ("post", "bridge:summary", "call", CHAIR_ONLY),  # no choices sent: the form comes back
]


def url_for(name: str, target: str, objects) -> str:
    call = objects["call"]
    args = {"call": [call.pk], "invitation": [call.pk, objects["invitation"].pk],
            "outcome": [call.pk, objects["outcome"].pk]}[target]
    return reverse(name, args=args)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "name", "target", "expected"), CASES, ids=[f"{m} {n}" for m, n, _, _ in CASES])
def test_permission_matrix(client, people, objects, role, method, name, target, expected):
    response = getattr(client_as(client, people, role), method)(url_for(name, target, objects))
    assert response.status_code == expected[role]
    if expected[role] == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


def test_an_officer_is_told_404_for_a_call_that_does_not_exist(client, people):
    client.force_login(people.officer)
    assert client.get(reverse("bridge:roll_call", args=[999_999])).status_code == 404
    assert client.post(reverse("bridge:attendance", args=[999_999, 1])).status_code == 404


def test_an_invitation_of_another_call_is_not_found_through_this_one(client, people, objects, sector_a):
    other = BridgeCall.objects.create(title="Other", starts_at=timezone.now(), dial_in="020 7946 0000",
                                      access_pin="1234", chair=people.officer, created_by=people.officer)
    client.force_login(people.officer)
    url = reverse("bridge:attendance", args=[other.pk, objects["invitation"].pk])
    assert client.post(url, {"attended": "1"}).status_code == 404
    url = reverse("bridge:outcome_delete", args=[other.pk, objects["outcome"].pk])
    assert client.post(url).status_code == 404
