"""A role holder's SESSION must have completed two-factor, not only their account hold an authenticator; passkeys
count as a second factor beside the authenticator app, and the last second factor stays while the role is held."""

from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts import mfa, roles
from tests.conftest import TwoFactorClient
from tests.factories import TOTP_SECRET, UserFactory, member_of, officer_user, with_mfa

pytestmark = pytest.mark.django_db

ROLE_HOLDERS = ["lead_a", "moderator_a", "officer", "admin"]


def code(secret: str = TOTP_SECRET) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def confirm_url(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def with_passkey(user, name: str = "Laptop"):
    """A WebAuthn authenticator row (its credential is never read by the code under test here)."""
    return Authenticator.objects.create(user=user, type=Authenticator.Type.WEBAUTHN,
                                        data={"name": name, "credential": {}})


def recently_reauthenticated(client, user) -> None:
    """As if the user had just typed their password again (allauth asks before changing authenticators)."""
    session = client.session
    record_authentication(SimpleNamespace(session=session), user, "password", reauthenticated=True)
    session.save()


# The session rule on pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLE_HOLDERS)
def test_a_password_only_session_of_a_role_holder_must_confirm_a_second_factor(client, people, role):
    client.force_login(getattr(people, role), two_factor=False)
    for path in [reverse("dashboard"), reverse("bulletins:inbox"), "/admin/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == confirm_url("mfa_reauthenticate", path)


def test_the_confirmation_page_explains_and_offers_no_password(client, people):
    client.force_login(people.officer, two_factor=False)
    page = client.get(reverse("dashboard"), follow=True)
    assert page.status_code == 200
    text = page.content.decode()
    assert "needs two-factor authentication in every session" in text
    assert reverse("account_reauthenticate") not in text  # the password proves nothing more
    assert reverse("account_logout") in text


def test_confirming_with_a_code_opens_the_portal_where_they_were_going(client, people):
    client.force_login(people.officer, two_factor=False)
    wanted = reverse("bulletins:officer_list")
    response = client.post(reverse("mfa_reauthenticate"), {"code": code(), "next": wanted})
    assert response.status_code == 302 and response["Location"] == wanted
    assert client.get(wanted).status_code == 200
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_wrong_code_keeps_the_portal_closed(client, people):
    client.force_login(people.officer, two_factor=False)
    response = client.post(reverse("mfa_reauthenticate"), {"code": "000000", "next": reverse("dashboard")})
    assert response.status_code == 200  # the form again, with its error
    assert client.get(reverse("dashboard")).status_code == 302


def test_signing_in_with_password_and_code_needs_nothing_more(client, password):
    officer = officer_user(password=password)
    response = client.post(reverse("account_login"), {"login": officer.email, "password": password})
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": code()})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    assert mfa.two_factor_satisfied(officer, client.session)


def test_a_session_from_before_the_role_was_given_must_confirm(client, password):
    member = UserFactory(verified=True, password=password)
    client.post(reverse("account_login"), {"login": member.email, "password": password})
    assert client.get(reverse("dashboard")).status_code == 200
    # Made an officer (two-factor set up elsewhere, e.g. on another device) while this session stays open.
    member.groups.add(Group.objects.get(name=roles.OFFICERS))
    with_mfa(member)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == confirm_url("mfa_reauthenticate", reverse("dashboard"))


def test_the_password_does_not_open_the_factor_pages_to_a_password_only_session(client, people):
    """Reauthenticating with the password used to be enough to read the recovery codes or add a passkey."""
    client.force_login(people.officer, two_factor=False)
    client.post(reverse("account_reauthenticate"), {"password": "correct-horse-battery"})
    for name in ["mfa_index", "mfa_view_recovery_codes", "mfa_add_webauthn", "mfa_deactivate_totp",
                 "account_reauthenticate"]:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("mfa_reauthenticate")), name


def test_logging_out_stays_open_to_a_session_that_has_not_confirmed(client, people):
    client.force_login(people.officer, two_factor=False)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("account_login"))


def test_plain_members_are_not_asked(client, people):
    client.force_login(people.member_a, two_factor=False)
    assert client.get(reverse("dashboard")).status_code == 200


def test_the_shared_test_helpers_complete_two_factor(client, people):
    client.force_login(people.officer)
    assert client.get(reverse("dashboard")).status_code == 200


# Passkeys count as a second factor --------------------------------------------------------------------------


def test_a_role_holder_with_only_a_passkey_has_two_factor(client):
    officer = UserFactory(verified=True)
    officer.groups.add(Group.objects.get(name=roles.OFFICERS))
    with_passkey(officer)
    assert mfa.has_mfa(officer)
    client.force_login(officer)
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_passkey_only_session_is_sent_to_confirm_with_the_passkey(client):
    """allauth's code page would send someone with no authenticator app to their password."""
    officer = UserFactory(verified=True)
    officer.groups.add(Group.objects.get(name=roles.OFFICERS))
    with_passkey(officer)
    client.force_login(officer, two_factor=False)
    response = client.get(reverse("dashboard"))
    assert response["Location"] == confirm_url("mfa_reauthenticate_webauthn", reverse("dashboard"))


def test_a_role_holder_without_any_factor_is_offered_passkeys_and_the_app(client):
    officer = UserFactory(verified=True)
    officer.groups.add(Group.objects.get(name=roles.OFFICERS))
    client.force_login(officer)
    response = client.get(reverse("dashboard"))
    assert response["Location"] == reverse("mfa_index")
    page = client.get(response["Location"]).content.decode()
    assert reverse("mfa_activate_totp") in page and reverse("mfa_add_webauthn") in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_setting_up_the_first_factor_completes_the_session(client, password):
    """A new role holder proves the authenticator as they set it up; they are not asked again straight after.
    (A transactional test: allauth announces a new authenticator app on commit, inside the request.)"""
    officer = UserFactory(verified=True, password=password)
    officer.groups.add(Group.objects.get(name=roles.OFFICERS))
    client.post(reverse("account_login"), {"login": officer.email, "password": password})
    assert client.get(reverse("dashboard"))["Location"] == reverse("mfa_index")
    client.post(reverse("account_reauthenticate"), {"password": password})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("mfa_view_recovery_codes")).status_code == 200
    assert client.get(reverse("dashboard")).status_code == 200


def test_adding_a_factor_is_not_a_way_round_the_confirmation(rf, people):
    """Only the first factor counts for the session: a further one proves nothing about this session."""
    session = Client().session
    request = rf.get("/")
    request.session, request.user = session, people.officer
    passkey = with_passkey(people.officer)
    mfa.first_factor_completes_the_session(None, request=request, user=people.officer, authenticator=passkey)
    assert not mfa.completed_two_factor(session, people.officer)


# Keeping at least one second factor -------------------------------------------------------------------------


def test_a_role_holder_may_drop_the_app_while_a_passkey_remains(officer):
    with_passkey(officer)
    totp = Authenticator.objects.get(user=officer, type=Authenticator.Type.TOTP)
    assert get_adapter().can_delete_authenticator(totp)


def test_a_role_holder_keeps_their_last_passkey():
    officer = UserFactory(verified=True)
    officer.groups.add(Group.objects.get(name=roles.OFFICERS))
    passkey = with_passkey(officer)
    assert not get_adapter().can_delete_authenticator(passkey)
    spare = with_passkey(officer, "Phone")
    assert get_adapter().can_delete_authenticator(passkey)
    spare.delete()
    officer.groups.clear()  # no longer an officer: free to drop it
    roles.forget_cached_roles(officer)
    assert get_adapter().can_delete_authenticator(passkey)


@pytest.mark.parametrize("method", ["post", "delete"])
def test_removing_the_last_passkey_is_refused(client, method):
    """allauth 65 does not ask the adapter before removing a passkey; the middleware does."""
    officer = UserFactory(verified=True)
    officer.groups.add(Group.objects.get(name=roles.OFFICERS))
    passkey = with_passkey(officer)
    client.force_login(officer)
    recently_reauthenticated(client, officer)
    response = getattr(client, method)(reverse("mfa_remove_webauthn", args=[passkey.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_list_webauthn")
    assert Authenticator.objects.filter(pk=passkey.pk).exists()
    page = client.get(response["Location"]).content.decode()
    assert "before removing this one" in page


def test_removing_a_passkey_beside_the_app_is_allowed(client, officer):
    passkey = with_passkey(officer)
    client.force_login(officer)
    recently_reauthenticated(client, officer)
    response = client.post(reverse("mfa_remove_webauthn", args=[passkey.pk]))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(pk=passkey.pk).exists()


def test_deactivating_the_app_is_refused_while_it_is_the_last_factor(client, officer):
    client.force_login(officer)
    recently_reauthenticated(client, officer)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200  # the form again, with allauth's refusal
    assert Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).exists()
    with_passkey(officer)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("dashboard")).status_code == 200


# The same rule for long-lived connections (the live socket) --------------------------------------------------


def test_two_factor_satisfied_reads_the_session_by_key(people):
    officer, member = people.officer, people.member_a
    password_only = Client()
    password_only.force_login(officer)
    assert not mfa.two_factor_satisfied(officer, password_only.session.session_key)
    assert not mfa.two_factor_satisfied(officer, None)
    signed_in = TwoFactorClient()
    signed_in.force_login(officer)
    confirmed = signed_in.session
    assert mfa.two_factor_satisfied(officer, confirmed.session_key)
    assert mfa.two_factor_satisfied(officer, confirmed)
    # A session's records are the user's they were made for.
    assert not mfa.two_factor_satisfied(people.lead_a, confirmed.session_key)
    assert mfa.two_factor_satisfied(member, None)  # members need no second factor


def test_members_without_roles_are_unaffected_by_a_passkey(client):
    member = member_of()
    with_passkey(member)
    client.force_login(member, two_factor=False)
    assert client.get(reverse("dashboard")).status_code == 200
