"""Permission matrix: every sectors view x every role, with the exact status."""

import pytest
from django.urls import reverse

from accounts import roles
from sectors.models import BridgeRepresentative, Membership, OrganisationAdministrator, OrganisationJoinRequest
from tests.conftest import ROLES, client_as
from tests.factories import MembershipFactory, UserFactory, member_of, with_mfa

pytestmark = pytest.mark.django_db

EVERYONE = {role: 200 for role in ROLES}
SIGNED_IN = EVERYONE | {"anonymous": 302}
VERIFIED = SIGNED_IN | {"unverified": 403}
LEADS = {role: 403 for role in ROLES} | {"anonymous": 302, "lead_a": 200, "lead_b": 200, "admin": 200}
LEAD_OF_A_PAGE = {role: 403 for role in ROLES} | {"anonymous": 302, "lead_a": 200, "admin": 200}
LEAD_OF_A_ACTION = {role: 403 for role in ROLES} | {"anonymous": 302, "lead_a": 302, "admin": 302}
SECTOR_A_PAGE = {role: 403 for role in ROLES} | {"anonymous": 302, "member_a": 200, "lead_a": 200,
                                                 "moderator_a": 200, "officer": 200, "admin": 200}
ORGANISATION_OF_MEMBER_A = {role: 404 for role in ROLES} | {
    "anonymous": 302, "member_a": 200, "lead_a": 200, "moderator_a": 200, "officer": 200, "admin": 200,
}
# member_a is their organisation's administrator; its other people and the leads of its sector do not edit it.
EDIT_ORGANISATION_OF_MEMBER_A = {role: 403 for role in ROLES} | {"anonymous": 302, "member_a": 200, "admin": 200}
ADMINISTER_ORGANISATION_OF_MEMBER_A = {role: 403 for role in ROLES} | {"anonymous": 302, "member_a": 302,
                                                                       "admin": 302}
# People with no organisation (and no request waiting) name one.
NAME_ORGANISATION = VERIFIED | {role: 403 for role in ["member_a", "member_b", "lead_a", "lead_b", "moderator_a"]}
# Administrators of an organisation, sector leads and superusers have a join-requests page...
JOIN_REVIEWERS = {role: 403 for role in ROLES} | {"anonymous": 302, "member_a": 200, "lead_a": 200, "lead_b": 200,
                                                  "admin": 200}
# ...and decide on a request to join member_a's organisation: its administrator, a lead of its sector (A).
DECIDE_JOIN_PAGE = {role: 403 for role in ROLES} | {"anonymous": 302, "member_a": 200, "lead_a": 200, "admin": 200}
DECIDE_JOIN_ACTION = {role: 403 for role in ROLES} | {"anonymous": 302, "member_a": 302, "lead_a": 302,
                                                      "admin": 302}
# Sector A's bridge representatives: its lead and administrators change them, officers (who invite them) see them.
REPRESENTATIVES_OF_A_PAGE = LEAD_OF_A_PAGE | {"officer": 200}


@pytest.fixture
def objects(people, sector_a):
    pending = Membership.objects.get(user=people.applicant, sector=sector_a)
    approved = Membership.objects.get(user=people.member_a, sector=sector_a)
    suspended = MembershipFactory(sector=sector_a, status="suspended", reason="Left the company")
    organisation = people.member_a.organisation
    OrganisationAdministrator.objects.create(organisation=organisation, user=people.member_a)
    colleague = member_of(sector_a, organisation=organisation)
    co_administrator = member_of(sector_a, organisation=organisation)
    OrganisationAdministrator.objects.create(organisation=organisation, user=co_administrator)
    join_request = OrganisationJoinRequest.objects.create(user=UserFactory(verified=True), organisation=organisation)
    representative = BridgeRepresentative.objects.create(sector=sector_a, user=people.member_a)
    return {"pending": pending, "approved": approved, "suspended": suspended, "sector_a": sector_a.slug,
            "organisation": organisation, "colleague": colleague, "co_administrator": co_administrator,
            "join_request": join_request, "representative": representative}


CASES = [
    ("get", "sectors:directory", None, EVERYONE),
    ("get", "sectors:mine", None, SIGNED_IN),
    ("get", "sectors:apply", None, VERIFIED),
    ("get", "sectors:queue", None, LEADS),
    ("get", "sectors:detail", "sector_a", SECTOR_A_PAGE),
    ("get", "sectors:refuse", "pending", LEAD_OF_A_PAGE),
    ("get", "sectors:suspend", "approved", LEAD_OF_A_PAGE),
    ("post", "sectors:approve", "pending", LEAD_OF_A_ACTION),
    ("post", "sectors:refuse", "pending", LEAD_OF_A_PAGE),  # an empty reason re-shows the form
    ("post", "sectors:suspend", "approved", LEAD_OF_A_PAGE),
    ("post", "sectors:reinstate", "suspended", LEAD_OF_A_ACTION),
    ("get", "sectors:organisation", "organisation", ORGANISATION_OF_MEMBER_A),
    ("get", "sectors:organisation_edit", "organisation", EDIT_ORGANISATION_OF_MEMBER_A),
    ("post", "sectors:organisation_edit", "organisation", EDIT_ORGANISATION_OF_MEMBER_A),  # empty: form again
    ("post", "sectors:administrator_appoint", ("organisation", "colleague"), ADMINISTER_ORGANISATION_OF_MEMBER_A),
    ("post", "sectors:administrator_withdraw", ("organisation", "co_administrator"),
     ADMINISTER_ORGANISATION_OF_MEMBER_A),
    ("post", "sectors:person_remove", ("organisation", "colleague"), ADMINISTER_ORGANISATION_OF_MEMBER_A),
    ("get", "sectors:organisation_name", None, NAME_ORGANISATION),
    ("get", "sectors:join_requests", None, JOIN_REVIEWERS),
    ("post", "sectors:join_approve", "join_request", DECIDE_JOIN_ACTION),
    ("get", "sectors:join_refuse", "join_request", DECIDE_JOIN_PAGE),
    ("post", "sectors:join_refuse", "join_request", DECIDE_JOIN_PAGE),  # an empty reason re-shows the form
    ("get", "sectors:representatives", "sector_a", REPRESENTATIVES_OF_A_PAGE),
    ("post", "sectors:representative_name", "sector_a", LEAD_OF_A_PAGE),  # no one chosen: the page again
    ("post", "sectors:representative_deputy", ("sector_a", "representative"), LEAD_OF_A_PAGE),  # likewise
    ("post", "sectors:representative_remove", ("sector_a", "representative"), LEAD_OF_A_ACTION),
]


def _args(objects, target) -> list:
    """The URL's arguments: a target names one object (or slug), or a tuple of them."""
    keys = () if target is None else target if isinstance(target, tuple) else (target,)
    return [objects[key] if isinstance(objects[key], str) else objects[key].pk for key in keys]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "name", "target", "expected"), CASES, ids=[f"{m} {n}" for m, n, _, _ in CASES])
def test_permission_matrix(client, people, objects, role, method, name, target, expected):
    response = getattr(client_as(client, people, role), method)(reverse(name, args=_args(objects, target)))
    assert response.status_code == expected[role]
    if expected[role] == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


def test_lead_of_b_can_never_decide_on_a(client, people, objects):
    client.force_login(people.lead_b)
    for name in ["sectors:approve", "sectors:reinstate"]:
        target = objects["pending"] if name == "sectors:approve" else objects["suspended"]
        assert client.post(reverse(name, args=[target.pk])).status_code == 403
    response = client.post(reverse("sectors:refuse", args=[objects["pending"].pk]), {"reason": "No"})
    assert response.status_code == 403
    response = client.post(reverse("sectors:suspend", args=[objects["approved"].pk]), {"reason": "No"})
    assert response.status_code == 403
    statuses = set(Membership.objects.filter(pk__in=[m.pk for k, m in objects.items() if isinstance(m, Membership)])
                   .values_list("status", flat=True))
    assert statuses == {"applied", "approved", "suspended"}
    # ...and lead B's queue never lists sector A's applications.
    response = client.get(reverse("sectors:queue"))
    assert people.applicant.email not in response.content.decode()


def test_organisation_of_another_sector_is_hidden(client, people, sector_b):
    stranger = member_of(sector_b)
    client.force_login(people.member_a)
    assert client.get(reverse("sectors:organisation", args=[stranger.organisation.pk])).status_code == 404


def test_a_lead_cannot_decide_on_their_own_membership(client, sector_a):
    lead = with_mfa(UserFactory(verified=True))
    roles.make_sector_lead(lead, sector_a)
    own = MembershipFactory(user=lead, sector=sector_a, status="applied")
    client.force_login(lead)
    response = client.post(reverse("sectors:approve", args=[own.pk]))
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.status == "applied"
