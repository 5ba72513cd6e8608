"""Sector leads chase the organisations of their sectors that have not answered: phone numbers and e-mails of
their members there, "called, no answer", and an answer recorded on the organisation's behalf (audited as the
lead's, refused once the check-in has closed)."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts import roles
from audit.models import AuditEntry
from common.actions import ActionRefused
from messaging.checkins import chasing, services
from messaging.checkins.models import AnswerChange, ChaseAttempt
from tests.bulletins.pages import once_token, submit
from tests.checkins.test_grid import answer, choice, main_part, open_check_in
from tests.factories import OrganisationFactory, member_of, with_mfa
from tests.xss import CORPUS, executable_markup

pytestmark = pytest.mark.django_db


@pytest.fixture
def chase(officer, sector_a, sector_b):
    """Retail: Acme (silent, with a phone number), Crane (answered). Banking: Bolt (silent). Leads of each."""
    acme = member_of(sector_a, organisation=OrganisationFactory(name="Acme"), display_name="Ann Acme",
                     phone="020 7946 0001")
    acme_colleague = member_of(sector_a, organisation=acme.organisation, display_name="Al Acme")
    bolt = member_of(sector_b, organisation=OrganisationFactory(name="Bolt"), display_name="Bob Bolt",
                     phone="020 7946 0002")
    crane = member_of(sector_a, organisation=OrganisationFactory(name="Crane"), display_name="Cy Crane")
    lead_a = with_mfa(member_of(sector_a, display_name="Lee Retail"))
    roles.make_sector_lead(lead_a, sector_a)
    lead_b = with_mfa(member_of(sector_b, display_name="Lou Banking"))
    roles.make_sector_lead(lead_b, sector_b)
    check_in = open_check_in(officer, [sector_a, sector_b])
    answer(check_in, crane, "Not affected")
    return {"check_in": check_in, "acme": acme, "acme_colleague": acme_colleague, "bolt": bolt, "crane": crane,
            "lead_a": lead_a, "lead_b": lead_b}


def chase_url(check_in) -> str:
    return reverse("checkins:chase", args=[check_in.pk])


def test_a_lead_sees_the_non_responders_of_their_sectors_with_phone_numbers(client, chase):
    client.force_login(chase["lead_a"])
    page = client.get(chase_url(chase["check_in"])).content.decode()
    assert "Acme" in page and "020 7946 0001" in page and chase["acme"].email in page
    assert "Al Acme" in page and chase["acme_colleague"].email in page
    assert "Crane" not in page  # answered
    assert "Bolt" not in page and "020 7946 0002" not in page  # another sector's


def test_the_other_sectors_lead_sees_only_theirs(client, chase):
    client.force_login(chase["lead_b"])
    page = client.get(chase_url(chase["check_in"])).content.decode()
    assert "Bolt" in page and "020 7946 0002" in page
    assert "Acme" not in page and "020 7946 0001" not in page


def test_a_lead_whose_sectors_were_not_asked_gets_404(client, officer, sector_a, chase):
    only_retail = open_check_in(officer, [sector_a])
    client.force_login(chase["lead_b"])
    assert client.get(chase_url(only_retail)).status_code == 404
    bolt = chase["bolt"].organisation
    assert client.post(reverse("checkins:chase_called", args=[only_retail.pk, bolt.pk])).status_code == 404


def test_a_lead_cannot_act_on_an_organisation_of_another_sector(client, chase):
    client.force_login(chase["lead_a"])
    bolt = chase["bolt"].organisation
    for name in ("checkins:chase_called", "checkins:chase_answer"):
        assert client.post(reverse(name, args=[chase["check_in"].pk, bolt.pk])).status_code == 404
    assert not ChaseAttempt.objects.exists()


def test_called_no_answer_is_recorded_and_shown(client, chase):
    client.force_login(chase["lead_a"])
    check_in, acme = chase["check_in"], chase["acme"].organisation
    action = reverse("checkins:chase_called", args=[check_in.pk, acme.pk])
    response = submit(client, chase_url(check_in), action, {"note": "Voicemail", "page": "1"})
    # Back to the page the lead called from, at the organisation's card.
    assert response.status_code == 302
    assert response["Location"] == chase_url(check_in) + f"?page=1#organisation-{acme.pk}"
    attempt = ChaseAttempt.objects.get()
    assert (attempt.organisation, attempt.by, attempt.sector.slug, attempt.note) == (
        acme, chase["lead_a"], "retail", "Voicemail")
    assert AuditEntry.objects.filter(action="checkin.chase_called", actor=chase["lead_a"]).exists()
    page = client.get(chase_url(check_in)).content.decode()
    assert "Last called" in page and "by Lee Retail: no answer (Voicemail)" in page


def test_a_double_click_on_called_records_one_attempt(client, chase):
    client.force_login(chase["lead_a"])
    check_in, acme = chase["check_in"], chase["acme"].organisation
    action = reverse("checkins:chase_called", args=[check_in.pk, acme.pk])
    token = once_token(client.get(chase_url(check_in)).content.decode(), action)
    client.post(action, {"once_token": token})
    client.post(action, {"once_token": token})
    assert ChaseAttempt.objects.count() == 1


def test_an_answer_on_behalf_is_the_organisations_answer_audited_as_the_leads(client, chase, westminster):
    client.force_login(chase["lead_a"])
    check_in, acme = chase["check_in"], chase["acme"].organisation
    action = reverse("checkins:chase_answer", args=[check_in.pk, acme.pk])
    prefix = f"org{acme.pk}"
    response = submit(client, chase_url(check_in), action, {
        f"{prefix}-choice": choice(check_in, "Closed or evacuated").pk, f"{prefix}-note": "Shutters down",
        f"{prefix}-borough": westminster.pk})
    assert response.status_code == 302
    current = check_in.answers.get(organisation=acme)
    assert (current.choice.label, current.note, current.borough, current.answered_by, current.by_lead) == (
        "Closed or evacuated", "Shutters down", westminster, chase["lead_a"], True)
    change = AnswerChange.objects.get(check_in=check_in, organisation=acme)
    assert change.by == chase["lead_a"] and change.by_lead
    entry = AuditEntry.objects.filter(action="checkin.answer", actor=chase["lead_a"]).get()
    assert entry.data["by_lead"] is True
    assert "Acme</h2>" not in client.get(chase_url(check_in)).content.decode()  # no longer to chase


def test_an_answer_on_behalf_without_a_choice_comes_back_with_the_error_and_the_question(client, chase):
    client.force_login(chase["lead_a"])
    check_in, acme = chase["check_in"], chase["acme"].organisation
    action = reverse("checkins:chase_answer", args=[check_in.pk, acme.pk])
    response = submit(client, chase_url(check_in), action, {f"org{acme.pk}-note": "Kept note", "page": "2"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose one of the answers." in page and "Kept note" in page
    assert '<input type="hidden" name="page" value="2">' in page  # sent again, it goes back to that page
    assert "Record Acme&#x27;s answer" in page and check_in.question in page
    assert not check_in.answers.filter(organisation=acme).exists()


def test_a_leads_answer_offers_the_boroughs_of_the_organisations_premises(client, officer, sector_a, westminster,
                                                                         camden):
    lead = with_mfa(member_of(sector_a, display_name="Lee Retail"))
    roles.make_sector_lead(lead, sector_a)
    traders = member_of(sector_a, organisation=OrganisationFactory(name="Carnaby Street Traders",
                                                                   boroughs=[westminster])).organisation
    check_in = open_check_in(officer, [sector_a])
    client.force_login(lead)
    page = client.get(chase_url(check_in)).content.decode()
    card = page[page.index(f'id="organisation-{traders.pk}"'):]
    card = card[:card.index("</details>")]
    assert f'<option value="{westminster.pk}">Westminster</option>' in card and "Camden" not in card
    assert "Record Carnaby Street Traders&#x27; answer" in card
    action = reverse("checkins:chase_answer", args=[check_in.pk, traders.pk])
    prefix = f"org{traders.pk}"
    refused = submit(client, chase_url(check_in), action, {
        f"{prefix}-choice": choice(check_in, "Not affected").pk, f"{prefix}-borough": camden.pk})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    recorded = submit(client, chase_url(check_in), action, {
        f"{prefix}-choice": choice(check_in, "Not affected").pk, f"{prefix}-borough": westminster.pk})
    assert recorded.status_code == 302
    assert "Recorded Carnaby Street Traders' answer" in " ".join(
        str(m) for m in get_messages(recorded.wsgi_request))
    assert check_in.answers.get(organisation=traders).borough == westminster


def test_chasing_is_refused_after_close(client, chase, officer):
    check_in, acme = chase["check_in"], chase["acme"].organisation
    client.force_login(chase["lead_a"])
    action = reverse("checkins:chase_called", args=[check_in.pk, acme.pk])
    token = once_token(client.get(chase_url(check_in)).content.decode(), action)  # a page left open...
    services.close_check_in(check_in, by=officer)  # ...while the officer closes the check-in
    response = client.post(action, {"once_token": token})
    assert response.status_code == 302
    assert not ChaseAttempt.objects.exists()
    assert "closed" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    with pytest.raises(ActionRefused):
        chasing.answer_on_behalf(check_in, acme, choice=choice(check_in, "Not affected"), note="", borough=None,
                                 by=chase["lead_a"])
    page = client.get(chase_url(check_in)).content.decode()
    assert "Closed" in page and "Called, no answer" not in page and "Record their answer" not in page


def test_answer_on_behalf_refused_by_the_service_after_a_close_it_did_not_see(chase, officer):
    check_in, acme = chase["check_in"], chase["acme"].organisation
    stale = type(check_in).objects.get(pk=check_in.pk)
    services.close_check_in(check_in, by=officer)
    with pytest.raises(services.CheckInError):  # the page was read while open; the service knows better
        chasing.answer_on_behalf(stale, acme, choice=choice(stale, "Not affected"), note="", borough=None,
                                 by=chase["lead_a"])
    assert not stale.answers.filter(organisation=acme).exists()


def test_an_answer_on_behalf_never_replaces_the_one_the_organisation_gave_after_the_page_was_read(client, chase):
    client.force_login(chase["lead_a"])
    check_in, acme = chase["check_in"], chase["acme"].organisation
    action = reverse("checkins:chase_answer", args=[check_in.pk, acme.pk])
    token = once_token(client.get(chase_url(check_in)).content.decode(), action)  # Acme still to chase...
    answer(check_in, chase["acme"], "Need police contact")  # ...when Acme's own member answers
    prefix = f"org{acme.pk}"
    response = client.post(action, {"once_token": token, f"{prefix}-choice": choice(check_in, "Not affected").pk})
    assert response.status_code == 302
    assert "was recorded meanwhile" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    current = check_in.answers.get(organisation=acme)
    assert (current.choice.label, current.answered_by, current.by_lead) == (
        "Need police contact", chase["acme"], False)
    assert AnswerChange.objects.filter(check_in=check_in, organisation=acme).count() == 1


def test_the_chase_page_is_paginated_with_bounded_queries(client, officer, sector_a,
                                                          django_assert_max_num_queries):
    for n in range(30):
        member_of(sector_a, organisation=OrganisationFactory(name=f"Shop {n:02}"), phone=f"020 7946 {n:04}")
    lead = with_mfa(member_of(sector_a))
    roles.make_sector_lead(lead, sector_a)
    check_in = open_check_in(officer, [sector_a])
    client.force_login(lead)
    with django_assert_max_num_queries(18):  # constant: one page of 25 costs the same as one of 2
        page = client.get(chase_url(check_in)).content.decode()
    # 31 to chase (the lead's own organisation too, first by name): 25 on the first page, 6 on the second.
    assert "Shop 00" in page and "Shop 23" in page and "Shop 24" not in page and "Page 1 of 2" in page
    second = client.get(chase_url(check_in), {"page": 2}).content.decode()
    assert "Shop 24" in second and "Shop 29" in second


def test_chase_notes_and_names_from_the_xss_corpus_are_text(client, officer, sector_a):
    members = [member_of(sector_a, organisation=OrganisationFactory(name=f"X{n} {payload}"),
                         display_name=f"P{n} {payload}"[:80]) for n, payload in enumerate(CORPUS)]
    lead = with_mfa(member_of(sector_a))
    roles.make_sector_lead(lead, sector_a)
    check_in = open_check_in(officer, [sector_a])
    for member, payload in zip(members, CORPUS, strict=True):
        chasing.record_chase_attempt(check_in, member.organisation, by=lead, sector_ids={sector_a.pk},
                                     note=payload)
    client.force_login(lead)
    for page_number in (1,):
        response = client.get(chase_url(check_in), {"page": page_number})
        assert response.status_code == 200
        assert executable_markup(main_part(response.content.decode())) == []


def test_the_lead_chase_links_tag_lists_open_check_ins_of_the_leads_sectors(chase, sector_a, officer):
    from django.template import Context, Template

    template = Template("{% load checkin_chase %}{% lead_chase_links user %}")
    lead_html = template.render(Context({"user": chase["lead_a"]}))
    assert chase_url(chase["check_in"]) in lead_html
    assert template.render(Context({"user": chase["acme"]})).strip() == ""  # not a lead
    services.close_check_in(chase["check_in"], by=officer)
    assert chase_url(chase["check_in"]) not in template.render(Context({"user": chase["lead_a"]}))
