"""Permission matrix: every feeds view x every role, with the exact status.

The feed URLs answer to their token, not to a session: whoever is signed in (or nobody) gets the token owner's
feed, and a forged token is 404 for everyone."""

import pytest
from django.urls import reverse

from messaging.feeds import services
from tests.conftest import ROLES, client_as

pytestmark = pytest.mark.django_db

MEMBER_VIEW = {"anonymous": 302, "unverified": 403, "applicant": 403, "member_a": 200, "member_b": 200,
               "lead_a": 200, "lead_b": 200, "moderator_a": 200, "officer": 200, "admin": 200}
MEMBER_ACTION = {role: (302 if status == 200 else status) for role, status in MEMBER_VIEW.items()}
EVERYONE = {role: 200 for role in ROLES}
NOBODY = {role: 404 for role in ROLES}


@pytest.fixture
def objects(people):
    """URL arguments by name: member A's current feed token, and one that is nobody's."""
    return {"member_a_token": [services.token_for(people.member_a).key], "forged_token": ["not-a-real-token"]}


CASES = [
    ("get", "calendar:index", None, MEMBER_VIEW),
    ("get", "feeds:index", None, MEMBER_VIEW),
    ("post", "feeds:regenerate", None, MEMBER_ACTION),
    ("get", "feeds:events", "member_a_token", EVERYONE),
    ("get", "feeds:bulletins", "member_a_token", EVERYONE),
    ("get", "feeds:events", "forged_token", NOBODY),
    ("get", "feeds:bulletins", "forged_token", NOBODY),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "name", "target", "expected"), CASES,
                         ids=[f"{m} {n} {t or ''}" for m, n, t, _ in CASES])
def test_permission_matrix(client, people, objects, role, method, name, target, expected):
    url = reverse(name, args=objects[target] if target else [])
    response = getattr(client_as(client, people, role), method)(url)
    assert response.status_code == expected[role]
    if expected[role] == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


def test_regenerating_changes_only_the_signed_in_users_token(client, people, objects):
    client_as(client, people, "member_b").post(reverse("feeds:regenerate"))
    assert services.token_for(people.member_a).key == objects["member_a_token"][0]
