"""List views stay under the same query bound with 10 rows as with 200."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from sectors.models import Membership, Organisation, OrganisationAdministrator, OrganisationJoinRequest

pytestmark = pytest.mark.django_db
MAX_QUERIES = 12  # the portal-wide bar (DESIGN.md)


def _applicants(sector, count: int, status: str) -> None:
    organisations = Organisation.objects.bulk_create(Organisation(name=f"Bulk {status} {i}") for i in range(count))
    users = User.objects.bulk_create(
        User(email=f"bulk-{status}-{i}@example.org", display_name=f"Bulk {i}", organisation=organisation)
        for i, organisation in enumerate(organisations)
    )
    Membership.objects.bulk_create(Membership(user=u, sector=sector, status=status, statement="x") for u in users)


@pytest.mark.parametrize("rows", [10, 200])
def test_list_views_have_bounded_queries(client, people, sector_a, rows, django_assert_max_num_queries):
    _applicants(sector_a, rows, "applied")
    _applicants(sector_a, rows, "approved")
    client.force_login(people.lead_a)
    client.get(reverse("dashboard"))  # the session's first request loads more than later ones
    for url in [reverse("sectors:directory"), reverse("sectors:mine"), reverse("sectors:queue"),
                reverse("sectors:queue") + "?status=approved", reverse("sectors:detail", args=[sector_a.slug]),
                reverse("sectors:organisation", args=[people.lead_a.organisation.pk]), reverse("dashboard")]:
        with django_assert_max_num_queries(MAX_QUERIES):
            response = client.get(url)
        assert response.status_code == 200, url
    assert "Bulk applied 0<" in client.get(reverse("sectors:queue")).content.decode()


@pytest.mark.parametrize("rows", [10, 200])
def test_organisation_lists_have_bounded_queries(client, people, sector_a, rows, django_assert_max_num_queries):
    """An organisation's page (its people, with an administrator's controls), the join requests page (for its
    administrator and for a lead of its sector), and the application queue showing applicants' waiting requests."""
    organisation = people.member_a.organisation
    OrganisationAdministrator.objects.create(organisation=organisation, user=people.member_a)
    colleagues = User.objects.bulk_create(
        User(email=f"colleague-{i}@example.org", display_name=f"Colleague {i}", organisation=organisation)
        for i in range(rows))
    Membership.objects.bulk_create(Membership(user=u, sector=sector_a, status="approved", statement="x")
                                   for u in colleagues)
    OrganisationAdministrator.objects.bulk_create(OrganisationAdministrator(organisation=organisation, user=u)
                                                  for u in colleagues[::2])
    joiners = User.objects.bulk_create(User(email=f"joiner-{i}@example.org", display_name=f"Joiner {i}")
                                       for i in range(rows))
    OrganisationJoinRequest.objects.bulk_create(
        OrganisationJoinRequest(user=u, organisation=organisation, statement=f"I work there ({i})")
        for i, u in enumerate(joiners))
    Membership.objects.bulk_create(Membership(user=u, sector=sector_a, status="applied", statement="x")
                                   for u in joiners)
    pages = {
        people.member_a: [reverse("sectors:join_requests"), organisation.get_absolute_url(),
                          organisation.get_absolute_url() + "?page=2", reverse("sectors:mine")],
        people.lead_a: [reverse("sectors:join_requests"), reverse("sectors:queue"), organisation.get_absolute_url()],
        joiners[0]: [reverse("sectors:mine"), reverse("sectors:apply")],
    }
    EmailAddress.objects.create(user=joiners[0], email=joiners[0].email, verified=True, primary=True)
    for user, urls in pages.items():
        client.force_login(user)
        client.get(reverse("dashboard"))
        for url in urls:
            with django_assert_max_num_queries(MAX_QUERIES):
                response = client.get(url)
            assert response.status_code == 200, url
    client.force_login(people.lead_a)
    page = client.get(reverse("sectors:queue")).content.decode()
    assert f"asks to join {organisation.name}" in page
    client.force_login(people.member_a)
    assert "Joiner 0<" in client.get(reverse("sectors:join_requests")).content.decode()
