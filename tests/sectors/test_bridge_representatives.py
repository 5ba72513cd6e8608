"""Bridge representatives: a sector's lead names up to N approved members (each with a deputy), every change is
audited, people who stop being approved stop counting, and bridge call invitations read them through one
selector."""

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEntry
from sectors import selectors, services
from sectors.models import BridgeRepresentative, Membership, Sector
from tests.factories import OrganisationFactory, member_of

pytestmark = pytest.mark.django_db


def page_url(sector) -> str:
    return reverse("sectors:representatives", args=[sector.slug])


def suspend(person, sector, by) -> None:
    services.suspend_membership(Membership.objects.get(user=person, sector=sector), by=by, reason="Left")


def name(sector, person, by, deputy=None) -> BridgeRepresentative:
    return services.name_representative(sector, person=person, by=by, deputy=deputy)


# The rules ------------------------------------------------------------------------------------------------------


def test_a_lead_names_an_approved_member_and_it_is_audited(people, sector_a):
    deputy = member_of(sector_a)
    representative = name(sector_a, people.member_a, people.lead_a, deputy=deputy)
    assert (representative.user, representative.deputy, representative.appointed_by) == (
        people.member_a, deputy, people.lead_a)
    entry = AuditEntry.objects.get(action="bridge_representative.name")
    assert entry.actor == people.lead_a and entry.target == sector_a
    assert entry.data == {"person": people.member_a.pk, "deputy": deputy.pk}


def test_a_sector_has_at_most_the_limit_and_the_refusal_says_how_to_free_a_place(people, sector_a):
    limit = settings.BRIDGE_REPRESENTATIVES_PER_SECTOR
    for _ in range(limit):
        name(sector_a, member_of(sector_a), people.lead_a)
    extra = member_of(sector_a)
    with pytest.raises(services.RepresentativeError) as refusal:
        name(sector_a, extra, people.lead_a)
    assert f"already has {limit} bridge representatives, the most a sector may have ({limit})" in str(refusal.value)
    assert "Remove one of them to free a place" in str(refusal.value)
    assert BridgeRepresentative.objects.filter(sector=sector_a).count() == limit
    # The limit is per sector: another sector still has all its places.
    name(Sector.objects.get(slug="banking-and-finance"), people.member_b, people.lead_b)


def test_a_suspended_representative_still_holds_their_place_until_removed(people, sector_a):
    """Reinstated, they represent the sector again: the sector must never end up above the limit."""
    first, *others = [member_of(sector_a) for _ in range(settings.BRIDGE_REPRESENTATIVES_PER_SECTOR)]
    for person in [first, *others]:
        name(sector_a, person, people.lead_a)
    suspend(first, sector_a, people.lead_a)
    with pytest.raises(services.RepresentativeError, match="free a place"):
        name(sector_a, people.member_a, people.lead_a)
    services.remove_representative(BridgeRepresentative.objects.get(user=first), by=people.lead_a)
    name(sector_a, people.member_a, people.lead_a)


def test_naming_the_same_person_twice_is_refused(people, sector_a):
    name(sector_a, people.member_a, people.lead_a)
    with pytest.raises(services.RepresentativeError, match="already one of Retail's bridge representatives"):
        name(sector_a, people.member_a, people.lead_a)
    assert BridgeRepresentative.objects.count() == 1
    assert AuditEntry.objects.filter(action="bridge_representative.name").count() == 1


@pytest.mark.parametrize("who", ["applicant", "member_b", "suspended", "inactive"])
def test_only_active_approved_members_of_the_sector_can_be_named(people, sector_a, who):
    person = getattr(people, who, None) or member_of(sector_a)
    if who == "suspended":
        suspend(person, sector_a, people.lead_a)
    if who == "inactive":
        User.objects.filter(pk=person.pk).update(is_active=False)
        person.refresh_from_db()
    with pytest.raises(services.RepresentativeError, match="not an approved member of Retail"):
        name(sector_a, person, people.lead_a)
    assert not BridgeRepresentative.objects.exists()


def test_a_deputy_is_another_approved_member_of_the_same_sector(people, sector_a):
    representative = name(sector_a, people.member_a, people.lead_a)
    with pytest.raises(services.RepresentativeError, match="cannot be their own deputy"):
        services.set_deputy(representative, deputy=people.member_a, by=people.lead_a)
    for outsider in [people.member_b, people.applicant]:
        with pytest.raises(services.RepresentativeError, match="not an approved member of Retail"):
            services.set_deputy(representative, deputy=outsider, by=people.lead_a)
    with pytest.raises(services.RepresentativeError, match="not an approved member of Retail"):
        name(sector_a, people.moderator_a, people.lead_a, deputy=people.member_b)
    representative.refresh_from_db()
    assert representative.deputy is None
    assert not AuditEntry.objects.filter(action__startswith="bridge_representative.deputy").exists()


def test_a_person_deputises_for_one_representative_per_sector(people, sector_a, sector_b):
    deputy = member_of(sector_a, sector_b)
    first = name(sector_a, people.member_a, people.lead_a, deputy=deputy)
    second = name(sector_a, people.moderator_a, people.lead_a)
    with pytest.raises(services.RepresentativeError) as refusal:
        services.set_deputy(second, deputy=deputy, by=people.lead_a)
    assert f"already the deputy of {people.member_a} in Retail" in str(refusal.value)
    with pytest.raises(services.RepresentativeError, match="already the deputy"):
        name(sector_a, member_of(sector_a), people.lead_a, deputy=deputy)
    # ...but may deputise in another sector they belong to.
    name(sector_b, people.member_b, people.lead_b, deputy=deputy)
    # A deputy named a representative must stop deputising first; a representative cannot deputise.
    with pytest.raises(services.RepresentativeError, match="clear that deputy first"):
        name(sector_a, deputy, people.lead_a)
    with pytest.raises(services.RepresentativeError, match="one of Retail's representatives already"):
        services.set_deputy(first, deputy=people.moderator_a, by=people.lead_a)


def test_setting_changing_and_clearing_a_deputy_is_audited(people, sector_a):
    representative = name(sector_a, people.member_a, people.lead_a)
    first, second = member_of(sector_a), member_of(sector_a)
    services.set_deputy(representative, deputy=first, by=people.lead_a)
    services.set_deputy(representative, deputy=second, by=people.lead_a)
    with pytest.raises(services.RepresentativeError, match="already .*'s deputy; nothing was changed"):
        services.set_deputy(representative, deputy=second, by=people.lead_a)
    services.set_deputy(representative, deputy=None, by=people.lead_a)
    with pytest.raises(services.RepresentativeError, match="has no deputy; nothing was changed"):
        services.set_deputy(representative, deputy=None, by=people.lead_a)
    representative.refresh_from_db()
    assert representative.deputy is None
    entries = list(AuditEntry.objects.filter(action__startswith="bridge_representative.deputy")
                   .order_by("created_at", "pk").values_list("action", "data"))
    person = people.member_a.pk
    assert entries == [
        ("bridge_representative.deputy_set", {"person": person, "deputy": first.pk, "previous": None}),
        ("bridge_representative.deputy_set", {"person": person, "deputy": second.pk, "previous": first.pk}),
        ("bridge_representative.deputy_clear", {"person": person, "deputy": None, "previous": second.pk}),
    ]


def test_removing_a_representative_frees_the_place_and_is_audited(people, sector_a):
    deputy = member_of(sector_a)
    representative = name(sector_a, people.member_a, people.lead_a, deputy=deputy)
    services.remove_representative(representative, by=people.admin)
    assert not BridgeRepresentative.objects.exists()
    entry = AuditEntry.objects.get(action="bridge_representative.remove")
    assert entry.actor == people.admin and entry.target == sector_a
    assert entry.data == {"person": people.member_a.pk, "deputy": deputy.pk}
    with pytest.raises(services.RepresentativeError, match="no longer a bridge representative"):
        services.remove_representative(representative, by=people.admin)
    # The former deputy is free to be named now.
    name(sector_a, deputy, people.lead_a)


# The selector bridge call invitations use ----------------------------------------------------------------------


def test_suspended_and_deactivated_people_stop_counting_until_reinstated(people, sector_a):
    deputy = member_of(sector_a)
    name(sector_a, people.member_a, people.lead_a, deputy=deputy)
    name(sector_a, people.moderator_a, people.lead_a)
    suspend(deputy, sector_a, people.lead_a)
    rows = selectors.bridge_representatives([sector_a.pk])
    assert [(row.user, row.deputy) for row in rows] == [(people.member_a, None), (people.moderator_a, None)]
    suspend(people.member_a, sector_a, people.lead_a)
    assert [row.user for row in selectors.bridge_representatives([sector_a.pk])] == [people.moderator_a]
    User.objects.filter(pk=people.moderator_a.pk).update(is_active=False)
    assert selectors.bridge_representatives([sector_a.pk]) == []
    for person in [people.member_a, deputy]:
        services.reinstate_membership(Membership.objects.get(user=person, sector=sector_a), by=people.lead_a)
    rows = selectors.bridge_representatives([sector_a])
    assert [(row.user, row.deputy) for row in rows] == [(people.member_a, deputy)]
    # The rows themselves were never changed: suspension only stops them counting.
    assert BridgeRepresentative.objects.get(user=people.member_a).deputy == deputy


def test_a_representative_approved_in_another_sector_only_does_not_count_here(people, sector_a, sector_b):
    person = member_of(sector_a, sector_b)
    name(sector_a, person, people.lead_a)
    suspend(person, sector_a, people.lead_a)
    assert selectors.bridge_representatives([sector_a.pk, sector_b.pk]) == []


def test_the_selector_narrows_to_organisations_with_premises_in_the_boroughs(people, sector_a, sector_b,
                                                                              westminster, camden):
    southwark = westminster.__class__.objects.get(slug="southwark")
    in_westminster = member_of(sector_a, organisation=OrganisationFactory(boroughs=[westminster, camden]))
    in_southwark = member_of(sector_a, organisation=OrganisationFactory(boroughs=[southwark]))
    in_camden = member_of(sector_b, organisation=OrganisationFactory(boroughs=[camden]))
    nowhere = member_of(sector_b, organisation=OrganisationFactory())
    for sector, person, lead in [(sector_a, in_westminster, people.lead_a), (sector_a, in_southwark, people.lead_a),
                                 (sector_b, in_camden, people.lead_b), (sector_b, nowhere, people.lead_b)]:
        name(sector, person, lead)
    both = [sector_a.pk, sector_b.pk]

    def chosen(*args) -> list:
        return [row.user for row in selectors.bridge_representatives(*args)]

    assert chosen(both) == [in_camden, nowhere, in_westminster, in_southwark]  # by sector name, then appointment
    assert chosen(both, [westminster.pk, camden.pk]) == [in_camden, in_westminster]  # each once
    assert chosen(both, [camden]) == [in_camden, in_westminster]
    assert chosen(both, [southwark.pk]) == [in_southwark]
    assert chosen([sector_a.pk], [camden.pk]) == [in_westminster]
    assert chosen(both, []) == chosen(both, None) == chosen(both)  # no boroughs chosen: no narrowing
    assert chosen([]) == []


@pytest.mark.parametrize("sectors", [1, 6])
def test_the_selector_costs_one_query_with_users_sectors_and_deputies_loaded(people, sectors,
                                                                             django_assert_num_queries):
    chosen = list(Sector.objects.order_by("pk")[:sectors])
    for sector in chosen:
        for _ in range(settings.BRIDGE_REPRESENTATIVES_PER_SECTOR):
            name(sector, member_of(sector), people.admin, deputy=member_of(sector))
    with django_assert_num_queries(1):
        rows = selectors.bridge_representatives([sector.pk for sector in chosen], [1, 2, 3])
    with django_assert_num_queries(1):
        rows = selectors.bridge_representatives([sector.pk for sector in chosen])
        labels = [(row.sector.name, row.user.display_name, row.user.organisation.name,
                   row.deputy.display_name, row.deputy.organisation.name) for row in rows]
    assert len(labels) == sectors * settings.BRIDGE_REPRESENTATIVES_PER_SECTOR


# The lead's page ------------------------------------------------------------------------------------------------


def test_the_lead_names_a_representative_from_the_page(client, people, sector_a):
    client.force_login(people.lead_a)
    page = client.get(page_url(sector_a)).content.decode()
    assert "has no bridge representatives yet" in page
    assert f'<option value="{people.member_a.pk}">Member A · {people.member_a.organisation.name}</option>' in page
    assert people.member_b.display_name not in page  # not a member of Retail
    response = client.post(reverse("sectors:representative_name", args=[sector_a.slug]),
                           {"person": people.member_a.pk})
    assert response.status_code == 302 and response["Location"] == page_url(sector_a)
    assert BridgeRepresentative.objects.get(sector=sector_a).user == people.member_a
    page = client.get(page_url(sector_a)).content.decode()
    assert "Member A is now a bridge representative of Retail." in page
    assert reverse("sectors:representative_remove", args=[sector_a.slug,
                                                          BridgeRepresentative.objects.get().pk]) in page


def test_a_refusal_is_shown_beside_the_field_on_the_page(client, people, sector_a):
    name(sector_a, people.member_a, people.lead_a)
    client.force_login(people.lead_a)
    response = client.post(reverse("sectors:representative_name", args=[sector_a.slug]),
                           {"person": people.member_a.pk, "q": "Member"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "is already one of Retail&#x27;s bridge representatives" in page
    assert 'value="Member"' in page  # the lead's search is kept
    response = client.post(reverse("sectors:representative_name", args=[sector_a.slug]), {"person": ""})
    assert "Choose the member to name." in response.content.decode()


def test_the_lead_sets_changes_and_clears_a_deputy_from_the_page(client, people, sector_a):
    representative = name(sector_a, people.member_a, people.lead_a)
    url = reverse("sectors:representative_deputy", args=[sector_a.slug, representative.pk])
    client.force_login(people.lead_a)
    assert client.post(url, {"deputy": people.moderator_a.pk}).status_code == 302
    representative.refresh_from_db()
    assert representative.deputy == people.moderator_a
    response = client.post(url, {"deputy": people.member_a.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "cannot be their own deputy" in page
    assert f'id="id_deputy_{representative.pk}_deputy"' in page and "Deputy for Member A" in page
    assert client.post(url, {"clear": "1"}).status_code == 302
    representative.refresh_from_db()
    assert representative.deputy is None


def test_the_lead_removes_a_representative_from_the_page(client, people, sector_a):
    representative = name(sector_a, people.member_a, people.lead_a)
    client.force_login(people.lead_a)
    response = client.post(reverse("sectors:representative_remove", args=[sector_a.slug, representative.pk]))
    assert response["Location"] == page_url(sector_a)
    assert not BridgeRepresentative.objects.exists()
    assert AuditEntry.objects.filter(action="bridge_representative.remove", actor=people.lead_a).exists()


def test_a_full_sector_says_how_to_free_a_place(client, people, sector_a):
    for _ in range(settings.BRIDGE_REPRESENTATIVES_PER_SECTOR):
        name(sector_a, member_of(sector_a), people.lead_a)
    client.force_login(people.lead_a)
    page = client.get(page_url(sector_a)).content.decode()
    assert "Remove a representative above to free a place." in page
    assert reverse("sectors:representative_name", args=[sector_a.slug]) not in page
    response = client.post(reverse("sectors:representative_name", args=[sector_a.slug]),
                           {"person": people.member_a.pk})
    assert "the most a sector may have" in response.content.decode()
    assert BridgeRepresentative.objects.count() == settings.BRIDGE_REPRESENTATIVES_PER_SECTOR


def test_a_suspended_representative_is_marked_on_the_lead_page(client, people, sector_a):
    name(sector_a, people.member_a, people.lead_a, deputy=people.moderator_a)
    suspend(people.member_a, sector_a, people.lead_a)
    client.force_login(people.lead_a)
    page = client.get(page_url(sector_a)).content.decode()
    assert "Not invited: no longer an approved member of Retail" in page


def test_an_officer_sees_the_page_without_the_forms(client, people, sector_a):
    representative = name(sector_a, people.member_a, people.lead_a)
    client.force_login(people.officer)
    response = client.get(page_url(sector_a))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Member A" in page
    assert "/representatives/" not in page.replace(page_url(sector_a), "")  # no form posts anywhere under it
    assert "Find a member" not in page
    assert client.post(reverse("sectors:representative_remove", args=[sector_a.slug, representative.pk])
                       ).status_code == 403
    assert BridgeRepresentative.objects.exists()


@pytest.mark.parametrize("role", ["member_a", "member_b", "lead_b", "moderator_a", "applicant"])
def test_members_and_leads_of_other_sectors_are_refused(client, people, sector_a, role):
    representative = name(sector_a, people.member_a, people.lead_a)
    client.force_login(getattr(people, role))
    assert client.get(page_url(sector_a)).status_code == 403
    for url, data in [(reverse("sectors:representative_name", args=[sector_a.slug]), {"person": people.lead_a.pk}),
                      (reverse("sectors:representative_deputy", args=[sector_a.slug, representative.pk]),
                       {"deputy": people.moderator_a.pk}),
                      (reverse("sectors:representative_remove", args=[sector_a.slug, representative.pk]), {})]:
        assert client.post(url, data).status_code == 403
    assert list(BridgeRepresentative.objects.values_list("user", "deputy")) == [(people.member_a.pk, None)]


def test_anonymous_visitors_are_sent_to_sign_in(client, people, sector_a):
    response = client.get(page_url(sector_a))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_a_representative_of_another_sector_is_not_found_from_this_one(client, people, sector_a, sector_b):
    """A lead of sector A cannot reach sector B's representatives through sector A's address."""
    elsewhere = name(sector_b, people.member_b, people.lead_b)
    client.force_login(people.lead_a)
    response = client.post(reverse("sectors:representative_remove", args=[sector_a.slug, elsewhere.pk]))
    assert response.status_code == 404
    assert BridgeRepresentative.objects.filter(pk=elsewhere.pk).exists()


def _many_members(sector, count: int) -> list[User]:
    users = User.objects.bulk_create(User(email=f"many-{i}@example.org", display_name=f"Many {i:04}")
                                     for i in range(count))
    Membership.objects.bulk_create(Membership(user=u, sector=sector, status="approved", statement="x") for u in users)
    return users


def test_the_page_stays_usable_and_cheap_with_two_thousand_members(client, people, sector_a,
                                                                   django_assert_max_num_queries):
    users = _many_members(sector_a, 2000)
    for person in users[:settings.BRIDGE_REPRESENTATIVES_PER_SECTOR - 1]:
        name(sector_a, person, people.lead_a, deputy=users[-1 - users.index(person)])
    client.force_login(people.lead_a)
    client.get(reverse("dashboard"))  # the session's first request loads more than later ones
    with django_assert_max_num_queries(12):
        page = client.get(page_url(sector_a)).content.decode()
    shown = selectors.REPRESENTATIVE_CANDIDATES_SHOWN
    # Three selects (the name form, two deputies), each listing the first members by name, not all of them.
    assert page.count('<option value="') == 3 * (shown + 1)  # with "Choose a member…"
    assert f"the first {shown} of 2003 approved members of Retail" in page  # with Lead A, Member A, Moderator A
    page = client.get(page_url(sector_a) + "?q=Many 1999").content.decode()
    assert page.count('<option value="') == 3 * 2 and "all 1 approved member of Retail" in page
    # A member who is not listed may still be chosen (the select is only a shortcut; the service decides).
    response = client.post(reverse("sectors:representative_name", args=[sector_a.slug]),
                           {"person": users[1500].pk})
    assert response.status_code == 302
    assert BridgeRepresentative.objects.filter(user=users[1500]).exists()


def test_the_sector_page_links_its_leads_and_officers_to_the_representatives(client, people, sector_a):
    for role, linked in [("lead_a", True), ("officer", True), ("admin", True), ("member_a", False)]:
        client.force_login(getattr(people, role))
        assert (page_url(sector_a) in client.get(sector_a.get_absolute_url()).content.decode()) is linked, role


# The admin ------------------------------------------------------------------------------------------------------


def test_the_admin_names_through_the_rules_and_the_audit(client, people, sector_a):
    client.force_login(people.admin)
    add = reverse("admin:sectors_bridgerepresentative_add")
    response = client.post(add, {"sector": sector_a.pk, "user": people.member_b.pk})
    assert response.status_code == 200
    assert "not an approved member of Retail" in response.content.decode()
    response = client.post(add, {"sector": sector_a.pk, "user": people.member_a.pk, "deputy": people.moderator_a.pk})
    assert response.status_code == 302
    representative = BridgeRepresentative.objects.get()
    assert (representative.user, representative.deputy, representative.appointed_by) == (
        people.member_a, people.moderator_a, people.admin)
    assert AuditEntry.objects.filter(action="bridge_representative.name", actor=people.admin).exists()
    change = reverse("admin:sectors_bridgerepresentative_change", args=[representative.pk])
    assert client.post(change, {"deputy": ""}).status_code == 302
    assert AuditEntry.objects.filter(action="bridge_representative.deputy_clear").exists()
    delete = reverse("admin:sectors_bridgerepresentative_delete", args=[representative.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert AuditEntry.objects.filter(action="bridge_representative.remove").exists()
    assert client.get(reverse("admin:sectors_bridgerepresentative_changelist") + f"?sector__id__exact={sector_a.pk}"
                      ).status_code == 200
