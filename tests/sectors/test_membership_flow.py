"""Applying, deciding, suspending: what applicants and leads see, and the e-mails they get."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts import roles
from audit.models import AuditEntry
from sectors import permissions as sector_permissions
from sectors import services
from sectors.models import Borough, Membership, Organisation, OrganisationAdministrator, OrganisationJoinRequest
from sectors.services import approve_membership
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, member_of, with_mfa

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(db, sector_a):
    user = with_mfa(UserFactory(verified=True, display_name="Lena Lead"))
    roles.make_sector_lead(user, sector_a)
    return user


def test_apply_with_a_new_organisation(client, verified_user, sector_a, sector_b):
    client.force_login(verified_user)
    response = client.post(reverse("sectors:apply"), {
        "sectors": [sector_a.pk, sector_b.pk], "statement": "We run twelve shops and two bank branches.",
        "organisation_name": "Acme Retail Ltd", "website": "acme.example.org",
    }, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Application sent to" in page and page.count("Waiting for the sector lead") == 2
    verified_user.refresh_from_db()
    assert verified_user.organisation.name == "Acme Retail Ltd"
    assert verified_user.organisation.website == "https://acme.example.org"
    assert AuditEntry.objects.filter(action="membership.apply").count() == 2
    registered = AuditEntry.objects.get(action="organisation.create")
    assert registered.target_id == str(verified_user.organisation.pk) and registered.actor == verified_user


def test_a_refused_application_registers_no_organisation(verified_user, sector_a, sector_b):
    """The organisation exists only if the application does: a duplicate (say, a double submit that passed the
    form's check) leaves nothing behind."""
    MembershipFactory(user=verified_user, sector=sector_a)
    with pytest.raises(services.MembershipError):
        services.apply_to_sectors(verified_user, sectors=[sector_b, sector_a], statement="We run twelve shops.",
                                  organisation_name="Ghost Ltd")
    assert not Organisation.objects.filter(name="Ghost Ltd").exists()
    assert not Membership.objects.filter(user=verified_user, sector=sector_b).exists()


def test_the_directory_links_the_sector_pages_each_person_may_open(client, people, sector_a, sector_b):
    lead_only = with_mfa(UserFactory(verified=True))
    roles.make_sector_lead(lead_only, sector_b)  # leads a sector without being a member of it
    for user, linked, unlinked in [(people.member_a, sector_a, sector_b), (lead_only, sector_b, sector_a)]:
        client.force_login(user)
        page = client.get(reverse("sectors:directory")).content.decode()
        assert f'href="{linked.get_absolute_url()}"' in page
        assert f'href="{unlinked.get_absolute_url()}"' not in page


def test_applying_twice_to_a_sector_is_a_form_error(client, verified_user, sector_a):
    verified_user.organisation = OrganisationFactory()
    verified_user.save()
    client.force_login(verified_user)
    data = {"sectors": [sector_a.pk], "statement": "We run twelve shops in Camden."}
    assert client.post(reverse("sectors:apply"), data).status_code == 302
    response = client.post(reverse("sectors:apply"), data)
    assert response.status_code == 200
    assert "You have already applied to Retail" in response.content.decode()
    assert Membership.objects.filter(user=verified_user).count() == 1


@pytest.mark.parametrize(("data", "message"), [
    ({"organisation_name": ""}, "Give your organisation&#x27;s name."),
    ({"organisation_name": "Acme", "statement": "hi"}, "at least 10 characters"),
    ({"organisation_name": "Acme", "sectors": []}, "This field is required."),
    ({"organisation_name": "Acme", "website": "not a url"}, "Enter a valid URL."),
])
def test_application_errors_say_what_is_wrong_and_keep_input(client, verified_user, sector_a, data, message):
    form = {"sectors": [sector_a.pk], "statement": "We run premises in London.", **data}
    client.force_login(verified_user)
    response = client.post(reverse("sectors:apply"), form)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    if len(form["statement"]) >= 10:
        assert "We run premises in London." in page
    assert not Membership.objects.filter(user=verified_user).exists()
    assert Organisation.objects.filter(name="Acme").count() == 0


def test_joining_an_organisation_by_name_gives_no_rights_until_approved(client, verified_user, sector_a,
                                                                      django_capture_on_commit_callbacks):
    """Naming an organisation already on the Hub asks it; neither the request nor a sector lead's approval of the
    person's application gives any right over it. Its administrator's approval makes them one of its people
    (who read its page), never one who edits it."""
    registrant = member_of(sector_a, organisation=OrganisationFactory(name="Existing Ltd"))
    existing = registrant.organisation
    OrganisationAdministrator.objects.create(organisation=existing, user=registrant)
    client.force_login(verified_user)
    page = client.get(reverse("sectors:apply")).content.decode()
    assert "Existing Ltd" not in page  # nobody is shown the list of organisations
    client.post(reverse("sectors:apply"), {"sectors": [sector_a.pk], "statement": "We are Existing's shop.",
                                           "organisation_name": "existing ltd"})
    verified_user.refresh_from_db()
    assert verified_user.organisation is None
    join_request = OrganisationJoinRequest.objects.get(user=verified_user, organisation=existing, status="pending")
    edit = reverse("sectors:organisation_edit", args=[existing.pk])
    assert client.get(edit).status_code == 403
    assert client.get(existing.get_absolute_url()).status_code == 404
    lead = with_mfa(UserFactory(verified=True))
    roles.make_sector_lead(lead, sector_a)
    with django_capture_on_commit_callbacks(execute=True):
        approve_membership(Membership.objects.get(user=verified_user), by=lead)
    verified_user.refresh_from_db()
    assert verified_user.organisation is None
    assert client.get(edit).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_join_request(join_request, by=registrant)
    verified_user.refresh_from_db()
    assert verified_user.organisation == existing
    assert client.get(existing.get_absolute_url()).status_code == 200
    assert client.get(edit).status_code == 403  # one of its people, not one of its administrators


def test_unverified_user_is_told_to_verify(client, db):
    client.force_login(UserFactory(verified=False))
    response = client.get(reverse("sectors:apply"))
    assert response.status_code == 403
    assert "Verify your e-mail address" in response.content.decode()


def test_lead_approves_and_applicant_is_told(client, lead, sector_a, django_capture_on_commit_callbacks):
    applicant = UserFactory(verified=True, organisation=OrganisationFactory())
    membership = Membership.objects.create(user=applicant, sector=sector_a, statement="Ten shops in Soho.")
    client.force_login(lead)
    queue = client.get(reverse("sectors:queue")).content.decode()
    assert "Ten shops in Soho." in queue and applicant.email in queue
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("sectors:approve", args=[membership.pk]), follow=True)
    assert "is now a member of Retail" in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [applicant.email]
    assert "is approved" in mail.outbox[0].body
    membership.refresh_from_db()
    assert membership.status == "approved" and membership.decided_by == lead

    # Approving again is refused with a message, nothing changes and no second e-mail goes.
    response = client.post(reverse("sectors:approve", args=[membership.pk]), follow=True)
    assert "already approved; nothing was changed" in response.content.decode()
    assert len(mail.outbox) == 1

    client.force_login(applicant)
    assert "Approved" in client.get(reverse("dashboard")).content.decode()
    assert client.get(reverse("sectors:detail", args=[sector_a.slug])).status_code == 200


def test_refusal_needs_a_reason_and_keeps_it(client, lead, sector_a, django_capture_on_commit_callbacks):
    applicant = UserFactory(verified=True)
    membership = Membership.objects.create(user=applicant, sector=sector_a, statement="A stall.")
    client.force_login(lead)
    response = client.post(reverse("sectors:refuse", args=[membership.pk]), {"reason": "   "})
    assert response.status_code == 200 and "Give a reason." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sectors:refuse", args=[membership.pk]), {"reason": "Not a <b>Retail</b> business."})
    assert "Reason: Not a <b>Retail</b> business." in mail.outbox[0].body
    client.force_login(applicant)
    page = client.get(reverse("sectors:mine")).content.decode()
    assert "Refused" in page and "Not a &lt;b&gt;Retail&lt;/b&gt; business." in page


def test_suspension_ends_access_at_once(client, lead, sector_a, django_capture_on_commit_callbacks):
    member = member_of(sector_a)
    membership = Membership.objects.get(user=member, sector=sector_a)
    client.force_login(member)
    assert client.get(reverse("sectors:detail", args=[sector_a.slug])).status_code == 200
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sectors:suspend", args=[membership.pk]), {"reason": "Shared a bulletin publicly."})
    assert "suspended" in mail.outbox[0].subject
    client.force_login(member)
    assert client.get(reverse("sectors:detail", args=[sector_a.slug])).status_code == 403
    assert client.get(reverse("bulletins:inbox")).status_code == 403
    client.force_login(lead)
    client.post(reverse("sectors:reinstate", args=[membership.pk]))
    membership.refresh_from_db()
    assert membership.status == "approved"


def test_organisation_profile_edit(client, verified_user, sector_a):
    verified_user = member_of(sector_a, organisation=OrganisationFactory(name="Old Name Ltd"))
    OrganisationAdministrator.objects.create(organisation=verified_user.organisation, user=verified_user)
    OrganisationFactory(name="Taken Ltd")
    client.force_login(verified_user)
    url = reverse("sectors:organisation_edit", args=[verified_user.organisation.pk])
    response = client.post(url, {"name": "taken ltd", "website": "https://x.example"})
    assert "Another organisation on the Hub already has this name." in response.content.decode()
    camden = Borough.objects.get(slug="camden")
    response = client.post(url, {"name": "New Name Ltd", "boroughs": [camden.pk]}, follow=True)
    page = response.content.decode()
    assert "Organisation profile saved." in page and "New Name Ltd" in page and "Camden" in page
    edit = AuditEntry.objects.get(action="organisation.update")
    assert edit.actor == verified_user and edit.data["changed"] == ["name", "website", "boroughs"]


def test_admin_assigns_leads(client, people, sector_b):
    client.force_login(people.admin)
    url = reverse("admin:sectors_sector_change", args=[sector_b.pk])
    response = client.post(url, {"name": sector_b.name, "slug": sector_b.slug, "description": "x",
                                 "leads": [people.member_a.pk, people.lead_b.pk]})
    assert response.status_code == 302
    assert sector_permissions.can_manage_membership(people.member_a, sector_b)
    assert people.member_a.groups.filter(name=roles.SECTOR_LEADS).exists()
    client.post(url, {"name": sector_b.name, "slug": sector_b.slug, "description": "x",
                      "leads": [people.member_a.pk]})
    people.lead_b.refresh_from_db()
    assert not people.lead_b.has_perm("sectors.manage_membership", sector_b)
    assert not people.lead_b.groups.filter(name=roles.SECTOR_LEADS).exists()


def test_memberships_cannot_be_deleted_in_the_admin(client, people, sector_a):
    membership = Membership.objects.get(user=people.member_a, sector=sector_a)
    client.force_login(people.admin)
    url = reverse("admin:sectors_membership_delete", args=[membership.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()
