"""An applicant's daily path has no dead ends: what they cannot open yet says what they wait for and on whom,
the organisation they registered opens, and a refusal can be acted on (apply again, change organisation)."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from audit.models import AuditEntry
from sectors import services
from sectors.models import Membership, Organisation, OrganisationAdministrator
from tests.factories import MembershipFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

MEMBERS_PAGES = ["board:forum_list", "bulletins:inbox", "bulletins:incident_list"]


@pytest.fixture
def applicant(sector_a):
    """Someone who registered their organisation and applied to Retail on 25 Nov 2026 (London time)."""
    user = UserFactory(verified=True, display_name="Pat Applicant")
    services.apply_to_sectors(user, sectors=[sector_a], statement="We run three shops in Camden.",
                              organisation_name="Corner Shops Ltd")
    Membership.objects.filter(user=user).update(
        applied_at=datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC))
    user.refresh_from_db()
    return user


@pytest.mark.parametrize("name", MEMBERS_PAGES)
def test_members_pages_tell_an_applicant_what_waits_on_whom(client, applicant, name):
    client.force_login(applicant)
    response = client.get(reverse(name))
    assert response.status_code == 403  # still refused: the permission matrix holds
    page = response.content.decode()
    assert "Your application to Retail is with the Retail sector lead since 25 Nov 2026." in page
    assert reverse("sectors:mine") in page


def test_a_waiting_join_request_is_named_on_the_403_page(client, people):
    joiner = UserFactory(verified=True)
    services.name_organisation(joiner, organisation_name=people.member_a.organisation.name)
    client.force_login(joiner)
    page = client.get(reverse("bulletins:inbox")).content.decode()
    assert f"Your request to join {people.member_a.organisation.name} is with its administrators since" in page


def test_members_get_the_plain_403_page(client, people):
    client.force_login(people.member_a)
    response = client.get(reverse("bulletins:officer_list"))
    assert response.status_code == 403
    assert 'id="waiting"' not in response.content.decode()


def test_navigation_hides_what_an_applicant_cannot_open_and_links_their_application(client, applicant, people):
    client.force_login(applicant)
    page = client.get(reverse("sectors:mine")).content.decode()
    for name in MEMBERS_PAGES:
        assert f'href="{reverse(name)}"' not in page
    assert 'id="nav-application"' in page
    assert "Forums, bulletins and incidents open once a sector lead approves you." in page
    client.force_login(people.member_a)
    page = client.get(reverse("sectors:mine")).content.decode()
    for name in MEMBERS_PAGES:
        assert f'href="{reverse(name)}"' in page
    assert 'id="nav-application"' not in page


@pytest.mark.parametrize("role", ["applicant", "member_a", "officer"])
def test_the_live_badge_is_explained_in_text_for_everyone(client, people, role):
    client.force_login(getattr(people, role))
    page = client.get(reverse("sectors:mine")).content.decode()
    # A button naming what the badge is, opening a panel of visible text (not a title attribute only).
    assert 'aria-controls="live-help"' in page
    assert '<span class="visually-hidden">Live updates: </span><span id="live-status"' in page
    assert 'id="live-help"' in page and "<strong>Live updates.</strong>" in page
    assert 'title="Live updates"' not in page


def test_a_pending_member_reads_the_organisation_they_registered(client, applicant, people):
    organisation = applicant.organisation
    client.force_login(applicant)
    response = client.get(reverse("sectors:mine"))
    assert f'href="{organisation.get_absolute_url()}"' in response.content.decode()
    response = client.get(organisation.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="read-only-note"' in page and "Corner Shops Ltd" in page
    assert reverse("sectors:organisation_edit", args=[organisation.pk]) not in page
    assert client.get(reverse("sectors:organisation_edit", args=[organisation.pk])).status_code == 403
    # Nobody else learns more than before: another applicant, and a member of another sector, get a 404.
    for outsider in (people.applicant, people.member_b):
        client.force_login(outsider)
        assert client.get(organisation.get_absolute_url()).status_code == 404


def test_a_refused_applicant_applies_again_and_the_refusal_stays_in_history(client, applicant, people, sector_a):
    services.refuse_membership(Membership.objects.get(user=applicant), by=people.lead_a, reason="Send your number")
    client.force_login(applicant)
    page = client.get(reverse("sectors:mine")).content.decode()
    assert f'{reverse("sectors:apply")}?sector={sector_a.slug}' in page  # "Apply to Retail again"
    response = client.post(reverse("sectors:apply"), {"sectors": [sector_a.pk],
                                                      "statement": "Companies House 01234567; three shops."})
    assert response.status_code == 302, response.content.decode()
    assert sorted(Membership.objects.filter(user=applicant).values_list("status", flat=True)) == [
        "applied", "refused"]
    assert Membership.objects.get(user=applicant, status="refused").reason == "Send your number"
    # The new application is in the lead's queue; the page no longer offers to apply again.
    assert "Apply to Retail again" not in client.get(reverse("sectors:mine")).content.decode()


@pytest.mark.parametrize("status", ["applied", "approved", "suspended"])
def test_only_a_refusal_lets_a_person_apply_again(client, sector_a, status):
    user = UserFactory(verified=True, organisation=Organisation.objects.create(name="Twice Ltd"))
    MembershipFactory(user=user, sector=sector_a, status=status)
    client.force_login(user)
    response = client.post(reverse("sectors:apply"), {"sectors": [sector_a.pk], "statement": "Once more, please."})
    assert response.status_code == 200
    assert "You have already applied to Retail" in response.content.decode()
    with pytest.raises(services.MembershipError):
        services.apply_to_sectors(user, sectors=[sector_a], statement="Once more, please.")
    assert Membership.objects.filter(user=user).count() == 1


def test_the_database_keeps_one_standing_row_per_person_and_sector(sector_a):
    user = UserFactory(verified=True)
    MembershipFactory(user=user, sector=sector_a, status="refused")
    MembershipFactory(user=user, sector=sector_a, status="refused")
    MembershipFactory(user=user, sector=sector_a, status="applied")
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(user=user, sector=sector_a, status="applied")


def test_a_refused_registrant_registers_another_organisation(client, applicant, people, westminster):
    old = applicant.organisation
    services.refuse_membership(Membership.objects.get(user=applicant), by=people.lead_a, reason="Wrong company")
    client.force_login(applicant)
    assert reverse("sectors:organisation_name") in client.get(reverse("sectors:mine")).content.decode()
    page = client.get(reverse("sectors:organisation_name")).content.decode()
    assert "Change your organisation" in page and "Corner Shops Ltd" in page
    response = client.post(reverse("sectors:organisation_name"), {
        "organisation_name": "Corner Shops Group plc", "boroughs": [westminster.pk]})
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.organisation.name == "Corner Shops Group plc"
    assert OrganisationAdministrator.objects.filter(user=applicant).get().organisation == applicant.organisation
    assert Organisation.objects.filter(pk=old.pk).exists()  # it stays, with its history
    assert AuditEntry.objects.filter(action="organisation.person_leave", actor=applicant).exists()


def test_a_refused_applicant_asks_to_join_an_organisation_already_on_the_hub(client, applicant, people):
    services.refuse_membership(Membership.objects.get(user=applicant), by=people.lead_a, reason="Wrong company")
    client.force_login(applicant)
    response = client.post(reverse("sectors:organisation_name"),
                           {"organisation_name": people.member_a.organisation.name, "statement": "Store manager"})
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.organisation is None
    assert applicant.organisation_requests.get().organisation == people.member_a.organisation


def test_naming_the_same_organisation_again_says_so(client, applicant):
    client.force_login(applicant)
    response = client.post(reverse("sectors:organisation_name"), {"organisation_name": "corner shops ltd"})
    assert response.status_code == 200
    assert "You already represent Corner Shops Ltd." in response.content.decode()


def test_an_approved_member_cannot_change_organisation(client, people, sector_a):
    member = member_of(sector_a)
    client.force_login(member)
    assert client.get(reverse("sectors:organisation_name")).status_code == 403
    with pytest.raises(services.MembershipError):
        services.name_organisation(member, organisation_name="Elsewhere Ltd")
