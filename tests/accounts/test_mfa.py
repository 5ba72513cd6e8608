"""Everyone holding a role must use two-factor authentication, and cannot turn it off while they hold it."""

import pytest
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts import roles
from tests.factories import UserFactory, member_of, with_mfa

pytestmark = pytest.mark.django_db


def test_enforcement_is_switched_on_in_settings(settings):
    assert "accounts.mfa.RequireMFAMiddleware" in settings.MIDDLEWARE
    assert settings.MFA_ADAPTER == "accounts.mfa.HubMFAAdapter"


@pytest.mark.parametrize("group", [roles.OFFICERS, roles.MODERATORS, roles.SECTOR_LEADS])
def test_role_holder_without_mfa_is_sent_to_set_it_up(client, group):
    user = UserFactory(verified=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")  # an authenticator app or a passkey
    # The reason is shown on the set-up page.
    page = client.get(reverse("dashboard"), follow=True)
    assert page.status_code == 200
    assert "needs two-factor authentication" in page.content.decode()


def test_staff_without_mfa_is_sent_to_set_it_up(client):
    client.force_login(UserFactory(verified=True, is_staff=True))
    assert client.get(reverse("dashboard"))["Location"] == reverse("mfa_index")


def test_role_holder_with_mfa_goes_about_their_business(client, officer):
    client.force_login(with_mfa(officer))
    assert client.get(reverse("dashboard")).status_code == 200


def test_plain_member_is_not_asked_for_mfa(client, verified_user):
    client.force_login(verified_user)
    assert client.get(reverse("dashboard")).status_code == 200


def test_role_holder_cannot_deactivate_totp(officer):
    authenticator = Authenticator.objects.get(user=with_mfa(officer))
    assert not get_adapter().can_delete_authenticator(authenticator)


def test_former_role_holder_may_deactivate_totp(client, officer):
    with_mfa(officer)
    officer.groups.clear()
    roles.forget_cached_roles(officer)
    authenticator = Authenticator.objects.get(user=officer)
    assert get_adapter().can_delete_authenticator(authenticator)


def test_a_leads_permission_without_the_group_still_requires_two_factor(client, sector_a):
    user = member_of(sector_a)
    assign_perm("sectors.manage_membership", user, sector_a)  # e.g. granted by hand, without the group
    client.force_login(user)
    response = client.get(reverse("sectors:queue"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")
    with_mfa(user)
    client.force_login(user)
    assert client.get(reverse("sectors:queue")).status_code == 200
