"""'Your contact details': a member edits the name others see and the phone number officers and their sectors'
leads call."""

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from tests.conftest import ROLES, client_as

pytestmark = pytest.mark.django_db

EVERYONE_SIGNED_IN = {role: 200 for role in ROLES} | {"anonymous": 302}
# Posted empty: the name is required of members (the form comes back, 200); officers' and administrators' names
# are given by an administrator (the field is not theirs to edit), so the empty form saves their (empty) phone.
POSTED_EMPTY = {**EVERYONE_SIGNED_IN, "officer": 302, "admin": 302}

CASES = [
    ("get", "accounts:profile", None, EVERYONE_SIGNED_IN),
    ("post", "accounts:profile", None, POSTED_EMPTY),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "name", "target", "expected"), CASES, ids=[f"{m} {n}" for m, n, _, _ in CASES])
def test_permission_matrix(client, people, role, method, name, target, expected):
    response = getattr(client_as(client, people, role), method)(reverse(name))
    assert response.status_code == expected[role]
    if expected[role] == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


def test_a_member_saves_their_name_and_phone(client, people):
    client.force_login(people.member_a)
    response = client.post(reverse("accounts:profile"),
                           {"display_name": "Sam Patel (Acme)", "phone": "+44 (0)20  7946-0000"})
    assert response.status_code == 302
    people.member_a.refresh_from_db()
    assert (people.member_a.display_name, people.member_a.phone) == ("Sam Patel (Acme)", "+44 (0)20 7946-0000")
    entry = AuditEntry.objects.get(action="account.contact_details")
    assert entry.data == {"changed": ["display_name", "phone"]} and "7946" not in str(entry.data)
    assert "Your contact details are saved." in client.get(reverse("accounts:profile")).content.decode()


@pytest.mark.parametrize("phone", ["12345", "020 7946 0000 ext. 12", "call me",
                                   "()+-  ()", "<script>1</script>"])
def test_a_phone_number_that_is_not_one_comes_back_with_the_error(client, people, phone):
    client.force_login(people.member_a)
    response = client.post(reverse("accounts:profile"), {"display_name": "Member A", "phone": phone})
    assert response.status_code == 200
    assert "Enter a phone number of 6 to 30 characters" in response.content.decode()
    people.member_a.refresh_from_db()
    assert people.member_a.phone == ""


def test_a_phone_number_longer_than_30_characters_is_refused(client, people):
    client.force_login(people.member_a)
    response = client.post(reverse("accounts:profile"), {"display_name": "Member A", "phone": "0" * 31})
    assert response.status_code == 200 and "at most 30 characters" in response.content.decode()


@pytest.mark.parametrize("phone", ["020 7946 0000", "+44 (0)20 7946-0000", "07700900123", ""])
def test_phone_numbers_as_people_write_them_are_accepted(client, people, phone):
    client.force_login(people.member_a)
    assert client.post(reverse("accounts:profile"), {"display_name": "Member A", "phone": phone}).status_code == 302


def test_a_member_cannot_take_a_name_that_claims_a_role(client, people):
    client.force_login(people.member_a)
    response = client.post(reverse("accounts:profile"), {"display_name": "PC Sam", "phone": ""})
    assert response.status_code == 200 and "can&#x27;t include words like" in response.content.decode()


def test_an_officers_name_is_not_theirs_to_change_here(client, people):
    client.force_login(people.officer)
    client.post(reverse("accounts:profile"), {"display_name": "Someone else", "phone": "020 7946 0000"})
    people.officer.refresh_from_db()
    assert (people.officer.display_name, people.officer.phone) == ("Officer", "020 7946 0000")


def test_the_user_menu_links_to_the_contact_details(client, people):
    client.force_login(people.member_a)
    assert reverse("accounts:profile") in client.get(reverse("dashboard")).content.decode()
