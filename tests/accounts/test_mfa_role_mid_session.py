"""The two-factor gate asks about roles once per request, in the query the page's navigation makes anyway, and
keeps nothing across requests: a role given to someone already signed in is enforced on their next request,
however it was given."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts import roles
from messaging.board.models import Forum
from tests.factories import member_of

pytestmark = pytest.mark.django_db


def _signed_in_member(client, sector):
    member = member_of(sector)
    client.force_login(member)
    assert client.get(reverse("dashboard")).status_code == 200  # a plain member: no second factor asked
    return member


def _through_a_group(user, permission: str, obj) -> None:
    group = Group.objects.create(name="Leads by hand")
    assign_perm(permission, group, obj)
    user.groups.add(group)


@pytest.mark.parametrize("grant", [
    lambda user, sector: roles.make_moderator(user, Forum.objects.get(sector=sector)),
    lambda user, sector: roles.make_sector_lead(user, sector),
    lambda user, sector: user.groups.add(Group.objects.get(name=roles.OFFICERS)),  # the admin's user form
    lambda user, sector: assign_perm("board.moderate_forum", user, Forum.objects.get(sector=sector)),  # by hand
    lambda user, sector: _through_a_group(user, "sectors.manage_membership", sector),
], ids=["moderator", "sector lead", "officer group", "object permission alone", "object permission of a group"])
def test_a_role_granted_mid_session_is_enforced_on_the_next_request(client, sector_a, grant):
    member = _signed_in_member(client, sector_a)

    grant(member, sector_a)

    response = client.get(reverse("board:forum_list"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")


def test_a_plain_members_page_asks_about_roles_in_one_query(client, sector_a):
    """The gate's question (groups, and scoped object permissions directly or through a group) and the
    navigation's are one query, not one each."""
    _signed_in_member(client, sector_a)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("board:forum_list"))
    role_queries = [q["sql"] for q in queries if "guardian_" in q["sql"] or '"auth_group"' in q["sql"]]
    assert len(role_queries) == 1, role_queries
