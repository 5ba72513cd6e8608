"""The lead's queue: the filter the lead chose is in the URL and survives every decision, the navigation counts
what waits, an empty filter says what waits elsewhere, and each card shows what a lead weighs."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from accounts import roles
from sectors import services
from sectors.models import Membership, Sector
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def queue(**query) -> str:
    return f"{reverse('sectors:queue')}?{urlencode(query)}"


@pytest.fixture
def lead(people, sector_b):
    """lead_a, leading Retail and Banking."""
    roles.make_sector_lead(people.lead_a, sector_b)
    return people.lead_a


def applicant_to(sector, **organisation):
    user = UserFactory(verified=True, organisation=OrganisationFactory(**organisation))
    return MembershipFactory(user=user, sector=sector)


def test_approving_comes_back_to_the_filter_the_lead_chose(client, lead, sector_a, sector_b):
    first, _ = applicant_to(sector_b), applicant_to(sector_b)
    client.force_login(lead)
    chosen = queue(status="applied", sector=sector_b.slug)
    page = client.get(chosen).content.decode()
    assert f'name="next" value="{chosen.replace("&", "&amp;")}"' in page
    response = client.post(reverse("sectors:approve", args=[first.pk]), {"next": chosen})
    assert response["Location"] == chosen


def test_refusing_comes_back_to_the_filter_the_lead_chose(client, lead, sector_b):
    membership = applicant_to(sector_b)
    client.force_login(lead)
    chosen = queue(status="applied", sector="")  # all the sectors they lead
    page = client.get(chosen).content.decode()
    refuse = f"{reverse('sectors:refuse', args=[membership.pk])}?{urlencode({'next': chosen})}"
    assert refuse.replace("&", "&amp;") in page
    form = client.get(refuse).content.decode()
    assert f'href="{chosen.replace("&", "&amp;")}">Cancel' in form
    response = client.post(refuse, {"reason": "We could not find the company."})
    assert response["Location"] == chosen  # not narrowed to Banking behind the lead's back
    assert Membership.objects.get(pk=membership.pk).status == "refused"


def test_without_a_filter_a_decision_comes_back_to_everything_waiting(client, lead, sector_b):
    membership = applicant_to(sector_b)
    client.force_login(lead)
    response = client.post(reverse("sectors:refuse", args=[membership.pk]), {"reason": "Unknown company"})
    assert response["Location"] == queue(status="applied", sector="")


def test_an_empty_filter_says_what_waits_in_the_other_sectors(client, lead, sector_a, sector_b):
    Membership.objects.filter(sector=sector_a, status="applied").delete()
    applicant_to(sector_b), applicant_to(sector_b)
    client.force_login(lead)
    page = client.get(queue(status="applied", sector=sector_a.slug)).content.decode()
    assert "No applications are waiting in Retail, but 2 wait in other sectors you lead" in page
    assert "Well done" not in page
    assert "Banking and finance (2 waiting)" in page and "Retail (0 waiting)" in page
    page = client.get(queue(status="applied", sector="")).content.decode()
    assert "No applications are waiting" not in page


def test_the_navigation_counts_what_waits_for_a_lead_and_follows_decisions(client, lead, people, sector_b,
                                                                           django_capture_on_commit_callbacks):
    waiting = [applicant_to(sector_b) for _ in range(2)]
    applicant_to(Sector.objects.get(slug="hotels-and-hospitality"))  # not theirs: not counted
    expected = 3  # people.applicant in Retail, two in Banking
    client.force_login(lead)
    page = client.get(reverse("sectors:mine")).content.decode()
    assert f'id="applications-count" class="badge text-bg-warning">{expected}<' in page
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_membership(waiting[0], by=lead)
    page = client.get(reverse("sectors:mine")).content.decode()
    assert f'id="applications-count" class="badge text-bg-warning">{expected - 1}<' in page
    client.force_login(people.member_a)
    assert 'id="applications-count"' not in client.get(reverse("sectors:mine")).content.decode()


def test_each_card_shows_premises_website_and_whether_the_organisation_is_new(client, lead, sector_b, westminster,
                                                                              camden):
    applicant_to(sector_b, name="Brand New Ltd", website="https://brand-new.example.org",
                       boroughs=[westminster, camden])
    established = applicant_to(sector_b, name="Old Hand plc", website="")
    MembershipFactory(user=UserFactory(organisation=established.user.organisation), sector=sector_b,
                      status="approved")
    client.force_login(lead)
    page = client.get(queue(status="applied", sector=sector_b.slug)).content.decode()
    new_card = page[page.index("Brand New Ltd"):page.index("Old Hand plc")]
    assert "New organisation" in new_card
    assert "Camden, Westminster" in new_card
    assert 'href="https://brand-new.example.org"' in new_card
    established_card = page[page.index("Old Hand plc"):]
    assert "On the Hub: approved in a sector" in established_card and "New organisation" not in established_card
    assert "Website</dt><dd>Not given" in established_card
