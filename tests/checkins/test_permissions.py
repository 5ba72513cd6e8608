"""Permission matrix: every members' and officers' check-in view of views.py x every role, with the exact status.
(The grid, export and chase views are in officer_views.py: their rows are beside their tests.)"""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from messaging.checkins import links
from tests.checkins.asking import ask_incident
from tests.conftest import ROLES, client_as

pytestmark = pytest.mark.django_db

MEMBER_VIEW = {"anonymous": 302, "unverified": 403, "applicant": 403, "member_a": 200, "member_b": 200,
               "lead_a": 200, "lead_b": 200, "moderator_a": 200, "officer": 200, "admin": 200}
# Asked of sector A: sector B's members learn nothing (404); officers see every check-in.
SECTOR_A_ONLY = {**MEMBER_VIEW, "member_b": 404, "lead_b": 404}
OFFICER_ONLY = {role: 403 for role in ROLES} | {"anonymous": 302, "officer": 200, "admin": 200}
OFFICER_ACTION = {role: 403 for role in ROLES} | {"anonymous": 302, "officer": 302, "admin": 302}
# The toast's buttons: members asked see the form (200); officers, who ask and do not answer, go to the page.
ANSWER_FORM = {**SECTOR_A_ONLY, "officer": 302, "admin": 302}
# Sent without a choice, the form comes back with the error (200) to those who may answer; officers were not
# asked (403), nor was anyone outside sector A (404).
ANSWER_POST = {**SECTOR_A_ONLY, "officer": 403, "admin": 403}
# The e-mail link of member A: the signature is the proof (anonymous: 200); anyone else signed in is refused.
LINK_OF_MEMBER_A = {role: 403 for role in ROLES} | {"anonymous": 200, "member_a": 200}


@pytest.fixture
def objects(people, sector_a, django_capture_on_commit_callbacks):
    check_in = ask_incident(people.officer, [sector_a], capture=django_capture_on_commit_callbacks)
    choice = check_in.choices.first()
    token = links.make_token(check_in.pk, people.member_a.pk, choice.pk, links.expiry_of(check_in))
    return {"check_in": check_in, "incident": check_in.incident, "link": SimpleNamespace(pk=token)}


CASES = [
    ("get", "checkins:detail", "check_in", SECTOR_A_ONLY),
    ("get", "checkins:answer", "check_in", ANSWER_FORM),
    ("post", "checkins:answer", "check_in", ANSWER_POST),
    ("get", "checkins:answer_link", "link", LINK_OF_MEMBER_A),
    ("post", "checkins:answer_link", "link", LINK_OF_MEMBER_A),  # no one-time field: the page comes back
    ("get", "checkins:create", None, OFFICER_ONLY),
    ("post", "checkins:create", None, OFFICER_ACTION),  # nothing to ask about: back to the start
    ("post", "checkins:close", "check_in", OFFICER_ACTION),
    ("get", "checkins:incident_part", "incident", SECTOR_A_ONLY),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "name", "target", "expected"), CASES, ids=[f"{m} {n}" for m, n, _, _ in CASES])
def test_permission_matrix(client, people, objects, role, method, name, target, expected):
    url = reverse(name, args=[objects[target].pk] if target else [])
    response = getattr(client_as(client, people, role), method)(url)
    assert response.status_code == expected[role]
    if expected[role] == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", ["officer", "member_a"])
def test_opening_from_an_incident_or_a_bulletin_is_for_officers(client, people, objects, role):
    url = reverse("checkins:create") + f"?incident={objects['incident'].pk}"
    expected = 200 if role == "officer" else 403
    assert client_as(client, people, role).get(url).status_code == expected


def test_opening_on_an_incident_that_does_not_exist_is_404(client, people):
    client.force_login(people.officer)
    assert client.get(reverse("checkins:create") + "?incident=999999").status_code == 404
