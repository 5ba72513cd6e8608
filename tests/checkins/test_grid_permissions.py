"""Permission matrix of officer_views.py (the grid, the export, the leads' chase): every view x every role, with
the exact status. The check-in asked sector A; member A's organisation has not answered."""

import pytest
from django.urls import reverse

from tests.checkins.asking import ask_incident
from tests.conftest import ROLES, client_as

pytestmark = pytest.mark.django_db

OFFICER_ONLY = {role: 403 for role in ROLES} | {"anonymous": 302, "officer": 200, "admin": 200}
# Sector leads (administrators lead every sector); the lead of B was not asked through: 404, as if it did not exist.
LEAD_OF_A = {role: 403 for role in ROLES} | {"anonymous": 302, "lead_a": 200, "lead_b": 404, "admin": 200}
# Without a one-time token the button does nothing and sends the lead back to the chase page (302).
LEAD_OF_A_BUTTON = {**LEAD_OF_A, "lead_a": 302, "admin": 302}


@pytest.fixture
def objects(people, sector_a, django_capture_on_commit_callbacks):
    check_in = ask_incident(people.officer, [sector_a], capture=django_capture_on_commit_callbacks)
    return {"check_in": [check_in.pk], "silent": [check_in.pk, people.member_a.organisation_id]}


CASES = [
    ("get", "checkins:grid", "check_in", OFFICER_ONLY),
    ("get", "checkins:export", "check_in", OFFICER_ONLY),
    ("get", "checkins:chase", "check_in", LEAD_OF_A),
    ("post", "checkins:chase_called", "silent", LEAD_OF_A_BUTTON),
    ("post", "checkins:chase_answer", "silent", LEAD_OF_A),  # no answer chosen: the form comes back
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "name", "target", "expected"), CASES, ids=[f"{m} {n}" for m, n, _, _ in CASES])
def test_permission_matrix(client, people, objects, role, method, name, target, expected):
    url = reverse(name, args=objects[target] if target else [])
    response = getattr(client_as(client, people, role), method)(url)
    assert response.status_code == expected[role]
    if expected[role] == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


def test_a_get_on_the_chase_buttons_is_405(client, people, objects):
    client_as(client, people, "lead_a")
    for name in ("checkins:chase_called", "checkins:chase_answer"):
        assert client.get(reverse(name, args=objects["silent"])).status_code == 405
