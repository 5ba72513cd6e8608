"""List views stay under the same query bound with 10 rows as with 200."""

import pytest
from django.urls import reverse

from accounts.models import User
from sectors.models import Membership, Organisation

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
