"""Holes found in review: the admin login, powers without the group, leads deciding on themselves."""

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from sectors.models import Membership
from tests.factories import MembershipFactory, UserFactory, member_of, with_mfa

pytestmark = pytest.mark.django_db


def test_the_admin_login_goes_through_allauth(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    response = client.post(reverse("admin:login"), {"username": "x", "password": "y"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_a_leads_permission_without_the_group_still_requires_two_factor(client, sector_a):
    user = member_of(sector_a)
    assign_perm("sectors.manage_membership", user, sector_a)  # e.g. granted by hand, without the group
    client.force_login(user)
    response = client.get(reverse("sectors:queue"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    with_mfa(user)
    client.force_login(user)
    assert client.get(reverse("sectors:queue")).status_code == 200


def test_a_lead_cannot_decide_on_their_own_membership(client, sector_a):
    from accounts import roles

    lead = with_mfa(UserFactory(verified=True))
    roles.make_sector_lead(lead, sector_a)
    own = MembershipFactory(user=lead, sector=sector_a, status="applied")
    client.force_login(lead)
    response = client.post(reverse("sectors:approve", args=[own.pk]))
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.status == "applied"


def test_memberships_cannot_be_deleted_in_the_admin(client, people, sector_a):
    membership = Membership.objects.get(user=people.member_a, sector=sector_a)
    client.force_login(people.admin)
    url = reverse("admin:sectors_membership_delete", args=[membership.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()
