"""Organisations: joining one already on the Hub is the organisation's decision, only its administrators edit it,
and nothing about it changes who receives a bulletin until that decision (issue 12, "Organisations")."""

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditEntry
from messaging.bulletins.audience import Audience, recipients
from sectors import permissions, services
from sectors.models import Membership, Organisation, OrganisationAdministrator, OrganisationJoinRequest
from sectors.signals import audience_changed
from tests.factories import OrganisationFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(people, westminster):
    """Banking's organisation: member B registered it (its administrator); premises in Westminster."""
    organisation = people.member_b.organisation
    organisation.boroughs.set([westminster])
    OrganisationAdministrator.objects.create(organisation=organisation, user=people.member_b)
    return organisation


@pytest.fixture
def audience_log():
    """The user ids each audience_changed signal named, in order."""
    sent = []

    def receiver(sender, user_ids, **kwargs):
        sent.append(sorted(user_ids))

    audience_changed.connect(receiver, dispatch_uid="test_organisations")
    yield sent
    audience_changed.disconnect(dispatch_uid="test_organisations")


def _apply(client, user, sector, organisation_name: str, statement: str = "We run shops on Oxford Street."):
    client.force_login(user)
    return client.post(reverse("sectors:apply"), {"sectors": [sector.pk], "statement": statement,
                                                  "organisation_name": organisation_name}, follow=True)


def _borough_bulletin_recipients(sector, borough) -> set:
    return set(recipients(Audience.chosen(everyone=False, sectors=[sector], boroughs=[borough])))


def test_naming_another_sectors_organisation_is_no_takeover(client, people, sector_a, sector_b, bank, westminster,
                                                            camden, django_capture_on_commit_callbacks):
    """The hole: approved in Retail after typing Banking's organisation's name, an attacker read its people, got
    its edit form and moved its premises, cutting its real members off Westminster's bulletins."""
    attacker = UserFactory(verified=True, display_name="Mallory")
    _apply(client, attacker, sector_a, bank.name.upper())
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_membership(Membership.objects.get(user=attacker, sector=sector_a), by=people.lead_a)

    client.force_login(attacker)
    edit = reverse("sectors:organisation_edit", args=[bank.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"name": bank.name, "boroughs": [camden.pk]}).status_code == 403
    assert client.get(bank.get_absolute_url()).status_code == 404
    assert set(bank.boroughs.all()) == {westminster}
    attacker.refresh_from_db()
    assert attacker.organisation is None
    assert OrganisationJoinRequest.objects.get(user=attacker).status == "pending"
    # Banking's people still get Westminster's Banking bulletins; the attacker gets no Westminster bulletin at all.
    assert people.member_b in _borough_bulletin_recipients(sector_b, westminster)
    assert attacker not in _borough_bulletin_recipients(sector_a, westminster)


def test_a_pending_joiner_has_no_organisation_and_no_part_in_its_audience(client, people, sector_a, sector_b, bank,
                                                                         westminster, audience_log):
    joiner = member_of(sector_a, display_name="Joe Joiner")  # approved in Retail; the bank is in Banking
    joiner.organisation = None
    joiner.save()
    services.name_organisation(joiner, organisation_name=bank.name, statement="I work at the bank's branch.")
    joiner.refresh_from_db()
    assert joiner.organisation is None
    assert audience_log == []  # nothing changed anybody's audience yet
    client.force_login(joiner)
    assert client.get(bank.get_absolute_url()).status_code == 404
    assert client.get(reverse("sectors:organisation_edit", args=[bank.pk])).status_code == 403
    assert joiner not in _borough_bulletin_recipients(sector_a, westminster)
    assert joiner in recipients(Audience.chosen(everyone=False, sectors=[sector_a]))  # Retail's own bulletins still
    page = client.get(reverse("sectors:mine")).content.decode()
    assert f"You asked to join <strong>{bank.name}</strong>" in page
    # The form no longer asks for an organisation while the request waits.
    apply_page = client.get(reverse("sectors:apply")).content.decode()
    assert 'name="organisation_name"' not in apply_page and bank.name in apply_page
    assert client.get(reverse("sectors:organisation_name")).status_code == 403


def test_an_administrator_approves_a_join(client, people, sector_b, bank, westminster, audience_log,
                                          django_capture_on_commit_callbacks):
    joiner = UserFactory(verified=True, display_name="Jo Teller")
    with django_capture_on_commit_callbacks(execute=True):
        _apply(client, joiner, sector_b, bank.name, statement="I am the bank's Westminster branch manager.")
    assert mail.outbox[-1].to == [people.member_b.email]  # its administrator is told someone asks
    assert "Jo Teller asks to join" in mail.outbox[-1].subject
    client.force_login(people.member_b)
    queue = client.get(reverse("sectors:join_requests")).content.decode()
    assert "Jo Teller" in queue and "branch manager" in queue
    join_request = OrganisationJoinRequest.objects.get(user=joiner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("sectors:join_approve", args=[join_request.pk]), follow=True)
    assert f"Jo Teller now represents {bank.name}" in response.content.decode()
    joiner.refresh_from_db()
    assert joiner.organisation == bank
    join_request.refresh_from_db()
    assert join_request.status == "approved" and join_request.decided_by == people.member_b
    assert audience_log == [[joiner.pk]]  # their sockets re-check: the bank's premises now count for them
    assert mail.outbox[-1].to == [joiner.email] and "approved" in mail.outbox[-1].subject
    entry = AuditEntry.objects.get(action="organisation.join_approve")
    assert entry.actor == people.member_b and entry.data["person"] == joiner.pk
    # Once approved in a sector too, they receive the bank's Westminster bulletins and read its page.
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_membership(Membership.objects.get(user=joiner), by=people.lead_b)
    assert joiner in _borough_bulletin_recipients(sector_b, westminster)
    client.force_login(joiner)
    assert client.get(bank.get_absolute_url()).status_code == 200
    # ...but a person is not an administrator: no edit form, no join requests page.
    assert client.get(reverse("sectors:organisation_edit", args=[bank.pk])).status_code == 403
    assert client.get(reverse("sectors:join_requests")).status_code == 403
    # Deciding twice changes nothing.
    client.force_login(people.member_b)
    response = client.post(reverse("sectors:join_approve", args=[join_request.pk]), follow=True)
    assert "already approved; nothing was changed" in response.content.decode()


def test_a_lead_of_a_sector_it_belongs_to_approves_a_join(client, people, sector_a, bank,
                                                          django_capture_on_commit_callbacks):
    joiner = UserFactory(verified=True)
    services.name_organisation(joiner, organisation_name=bank.name)
    join_request = OrganisationJoinRequest.objects.get(user=joiner)
    # Lead A leads Retail: the bank is not in Retail, so not theirs to decide (nor to see).
    client.force_login(people.lead_a)
    assert client.post(reverse("sectors:join_approve", args=[join_request.pk])).status_code == 403
    assert joiner.email not in client.get(reverse("sectors:join_requests")).content.decode()
    # Lead B leads Banking, where the bank's people are approved.
    client.force_login(people.lead_b)
    assert joiner.email in client.get(reverse("sectors:join_requests")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("sectors:join_approve", args=[join_request.pk])).status_code == 302
    joiner.refresh_from_db()
    assert joiner.organisation == bank
    assert AuditEntry.objects.get(action="organisation.join_approve").actor == people.lead_b


def test_refusal_needs_a_reason_the_requester_reads(client, people, bank, django_capture_on_commit_callbacks):
    joiner = UserFactory(verified=True)
    services.name_organisation(joiner, organisation_name=bank.name)
    join_request = OrganisationJoinRequest.objects.get(user=joiner)
    client.force_login(people.member_b)
    url = reverse("sectors:join_refuse", args=[join_request.pk])
    response = client.post(url, {"reason": " "})
    assert response.status_code == 200 and "Give a reason." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "Nobody of that name\nworks <b>here</b>."})
    join_request.refresh_from_db()
    assert join_request.status == "refused"
    message = mail.outbox[-1]
    assert message.to == [joiner.email] and "\n" not in message.subject and "refused" in message.subject
    assert "Reason: Nobody of that name\nworks <b>here</b>." in message.body
    assert AuditEntry.objects.get(action="organisation.join_refuse").reason.startswith("Nobody of that name")
    joiner.refresh_from_db()
    assert joiner.organisation is None
    client.force_login(joiner)
    page = client.get(reverse("sectors:mine")).content.decode()
    assert "was refused" in page and "works &lt;b&gt;here&lt;/b&gt;." in page
    # They may name another organisation: a new one is theirs at once.
    response = client.post(reverse("sectors:organisation_name"), {"organisation_name": "Joiner Consulting"},
                           follow=True)
    assert "you are its first administrator" in response.content.decode()
    joiner.refresh_from_db()
    assert joiner.organisation.name == "Joiner Consulting"
    assert OrganisationAdministrator.objects.filter(organisation=joiner.organisation, user=joiner).exists()


def test_registering_a_new_organisation_makes_the_applicant_its_administrator(client, sector_a, audience_log,
                                                                              django_capture_on_commit_callbacks):
    applicant = UserFactory(verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        _apply(client, applicant, sector_a, "Brand New Ltd")
    applicant.refresh_from_db()
    organisation = applicant.organisation
    assert organisation.name == "Brand New Ltd"
    assert OrganisationAdministrator.objects.filter(organisation=organisation, user=applicant).exists()
    assert audience_log == [[applicant.pk]]
    assert not OrganisationJoinRequest.objects.exists()
    # Administrator of it, but not yet vetted by a sector lead: no edits until then.
    assert client.get(reverse("sectors:organisation_edit", args=[organisation.pk])).status_code == 403
    Membership.objects.filter(user=applicant).update(status="approved")
    assert client.get(reverse("sectors:organisation_edit", args=[organisation.pk])).status_code == 200


def test_only_administrators_edit(client, people, sector_b, bank, westminster, camden, audience_log,
                                  django_capture_on_commit_callbacks):
    colleague = member_of(sector_b, organisation=bank)  # one of its approved people, not an administrator
    edit = reverse("sectors:organisation_edit", args=[bank.pk])
    client.force_login(colleague)
    assert client.get(bank.get_absolute_url()).status_code == 200
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"name": "Stolen", "boroughs": [camden.pk]}).status_code == 403
    assert "Edit profile" not in client.get(bank.get_absolute_url()).content.decode()
    client.force_login(people.member_b)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit, {"name": bank.name, "website": bank.website, "boroughs": [camden.pk]})
    assert response.status_code == 302
    assert set(bank.boroughs.all()) == {camden}
    assert audience_log == [sorted([people.member_b.pk, colleague.pk])]
    assert AuditEntry.objects.get(action="organisation.update").data["changed"] == ["boroughs"]
    # A suspended administrator edits nothing; a superuser edits any organisation.
    Membership.objects.filter(user=people.member_b).update(status="suspended")
    client.force_login(people.member_b)
    assert client.get(edit).status_code == 403
    client.force_login(people.admin)
    assert client.get(edit).status_code == 200


def test_administrators_name_others_and_remove_people(client, people, sector_b, bank, westminster, audience_log,
                                                     django_capture_on_commit_callbacks):
    colleague = member_of(sector_b, organisation=bank, display_name="Cole League")
    client.force_login(people.member_b)
    page = client.get(bank.get_absolute_url()).content.decode()
    assert reverse("sectors:administrator_appoint", args=[bank.pk, colleague.pk]) in page
    client.post(reverse("sectors:administrator_appoint", args=[bank.pk, colleague.pk]))
    assert permissions.can_edit_organisation(colleague, bank)
    assert AuditEntry.objects.get(action="organisation.administrator_appoint").data["person"] == colleague.pk
    # The new administrator withdraws the first, who stays one of its people; the last one cannot go.
    client.force_login(colleague)
    client.post(reverse("sectors:administrator_withdraw", args=[bank.pk, people.member_b.pk]))
    assert not OrganisationAdministrator.objects.filter(organisation=bank, user=people.member_b).exists()
    response = client.post(reverse("sectors:administrator_withdraw", args=[bank.pk, colleague.pk]), follow=True)
    assert "last administrator" in response.content.decode()
    assert AuditEntry.objects.filter(action="organisation.administrator_withdraw").count() == 1
    # Removing a person: no longer of the organisation, out of its premises' bulletins, sockets refreshed.
    assert people.member_b in _borough_bulletin_recipients(sector_b, westminster)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sectors:person_remove", args=[bank.pk, people.member_b.pk]))
    people.member_b.refresh_from_db()
    assert people.member_b.organisation is None
    assert people.member_b not in _borough_bulletin_recipients(sector_b, westminster)
    assert audience_log == [[people.member_b.pk]]
    assert AuditEntry.objects.get(action="organisation.person_remove").actor == colleague
    client.force_login(people.member_b)  # still in Banking, so still sees its organisations, but edits none
    assert client.get(reverse("sectors:organisation_edit", args=[bank.pk])).status_code == 403


def test_an_administrator_acts_only_on_their_own_organisation(client, people, sector_a, bank):
    other = member_of(sector_a)
    OrganisationAdministrator.objects.create(organisation=other.organisation, user=other)
    stranger = member_of(sector_a, organisation=other.organisation)
    client.force_login(people.member_b)
    for name in ["sectors:administrator_appoint", "sectors:person_remove"]:
        assert client.post(reverse(name, args=[other.organisation.pk, stranger.pk])).status_code == 403
        # ...and someone of another organisation is not found through one's own.
        assert client.post(reverse(name, args=[bank.pk, stranger.pk])).status_code == 404
    stranger.refresh_from_db()
    assert stranger.organisation == other.organisation
    assert not OrganisationAdministrator.objects.filter(user=stranger).exists()
    # A stale administrator row (the person left the organisation) counts for nothing.
    OrganisationAdministrator.objects.create(organisation=bank, user=stranger)
    client.force_login(stranger)
    assert client.get(reverse("sectors:organisation_edit", args=[bank.pk])).status_code == 403


def test_nobody_decides_on_their_own_request(client, people, sector_b, bank):
    lead = people.lead_b  # leads Banking, where the bank belongs
    lead.organisation = None
    lead.save()
    services.name_organisation(lead, organisation_name=bank.name)
    join_request = OrganisationJoinRequest.objects.get(user=lead)
    client.force_login(lead)
    assert client.post(reverse("sectors:join_approve", args=[join_request.pk])).status_code == 403
    assert lead.email not in client.get(reverse("sectors:join_requests")).content.decode()
    lead.refresh_from_db()
    assert lead.organisation is None


def test_one_request_waits_at_a_time(people, bank):
    joiner = UserFactory(verified=True)
    services.name_organisation(joiner, organisation_name=bank.name)
    with pytest.raises(services.MembershipError, match="still waiting"):
        services.name_organisation(joiner, organisation_name=OrganisationFactory().name)
    assert OrganisationJoinRequest.objects.filter(user=joiner).count() == 1


def test_an_edit_in_the_django_admin_is_audited_and_refreshes_sockets(client, people, bank, camden, audience_log,
                                                                      django_capture_on_commit_callbacks):
    client.force_login(people.admin)
    url = reverse("admin:sectors_organisation_change", args=[bank.pk])
    form = {"name": bank.name, "registered_number": "", "website": bank.website, "boroughs": [camden.pk],
            "administrator_links-TOTAL_FORMS": "1", "administrator_links-INITIAL_FORMS": "1",
            "administrator_links-MIN_NUM_FORMS": "0", "administrator_links-MAX_NUM_FORMS": "1000",
            "administrator_links-0-id": OrganisationAdministrator.objects.get(organisation=bank).pk,
            "administrator_links-0-organisation": bank.pk}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(bank.boroughs.all()) == {camden}
    assert audience_log == [[people.member_b.pk]]
    entry = AuditEntry.objects.get(action="organisation.update")
    assert entry.actor == people.admin and "boroughs" in entry.data["changed"] and entry.data["via"] == "admin"


@pytest.mark.parametrize("name", ["Met Police Liaison Unit", "PoIice Desk Ltd", "Officer Services"])
def test_a_new_or_renamed_organisation_may_not_pass_for_the_police(client, verified_user, people, sector_a, name):
    client.force_login(verified_user)
    response = client.post(reverse("sectors:apply"), {"sectors": [sector_a.pk], "statement": "We run shops here.",
                                                      "organisation_name": name})
    assert response.status_code == 200 and "can&#x27;t include words like" in response.content.decode()
    assert not Organisation.objects.named(name).exists()
    organisation = people.member_a.organisation
    OrganisationAdministrator.objects.get_or_create(organisation=organisation, user=people.member_a)
    client.force_login(people.member_a)
    response = client.post(reverse("sectors:organisation_edit", args=[organisation.pk]), {"name": name})
    assert response.status_code == 200 and "can&#x27;t include words like" in response.content.decode()

