"""Permission matrix: the search page x every role, with the exact status."""

import pytest
from django.urls import reverse

from tests.conftest import ROLES, client_as

pytestmark = pytest.mark.django_db

# Whoever reads a forum or bulletins searches; anonymous users log in first; the rest read nothing to search.
SEARCHERS = {role: 200 for role in ROLES} | {"anonymous": 302, "unverified": 403, "applicant": 403}

CASES = [
    ("get", "search:results", None, SEARCHERS),
    ("post", "search:results", None, {**{role: 405 for role in ROLES}, "anonymous": 302, "unverified": 403,
                                      "applicant": 403}),
]


@pytest.fixture
def objects():
    return {}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "name", "target", "expected"), CASES, ids=[f"{m} {n}" for m, n, _, _ in CASES])
def test_permission_matrix(client, people, objects, role, method, name, target, expected):
    url = reverse(name, args=[objects[target].pk] if target else [])
    response = getattr(client_as(client, people, role), method)(url, {"q": "anything"})
    assert response.status_code == expected[role]
    if expected[role] == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))
