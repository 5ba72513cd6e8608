"""Permission matrix of the e-mail preferences page and the unsubscribe links: every view x every role."""

import pytest
from django.urls import reverse

from notifications import unsubscribe
from tests.conftest import ROLES, client_as

pytestmark = pytest.mark.django_db

EVERYONE_SIGNED_IN = {role: 200 for role in ROLES} | {"anonymous": 302}
# The link in member A's e-mail works for whoever holds it, signed in as anyone or not: the signature is the proof.
ANYONE = {role: 200 for role in ROLES}
# A link whose signature does not match: a 400 page for everyone.
NOBODY = {role: 400 for role in ROLES}


@pytest.fixture
def objects(people):
    token = unsubscribe.make_token(people.member_a, unsubscribe.FORUM)
    return {"token": token, "tampered": token[:-3] + "xyz"}


CASES = [
    ("get", "preferences:edit", None, EVERYONE_SIGNED_IN),
    # Posted empty: the form comes back with what is missing beside each field.
    ("post", "preferences:edit", None, EVERYONE_SIGNED_IN),
    ("get", "preferences:unsubscribe", "token", ANYONE),  # the confirmation, with its button
    ("post", "preferences:unsubscribe", "token", ANYONE),  # done, and says what changed
    ("get", "preferences:unsubscribe", "tampered", NOBODY),
    ("post", "preferences:unsubscribe", "tampered", NOBODY),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "name", "target", "expected"), CASES,
                         ids=[f"{m} {n} {t or ''}" for m, n, t, _ in CASES])
def test_permission_matrix(client, people, objects, role, method, name, target, expected):
    url = reverse(name, args=[objects[target]] if target else [])
    response = getattr(client_as(client, people, role), method)(url)
    assert response.status_code == expected[role]
    if expected[role] == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))
