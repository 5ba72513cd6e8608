"""Opening a check-in: the officer's form (defaults, what will not do), the carrier bulletin published to exactly
the incident's or the bulletin's audience, once per form, audited; the ways in from the incident room and a
bulletin's page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from messaging.bulletins import services as bulletin_services
from messaging.bulletins.audience import Audience, recipients
from messaging.bulletins.models import Bulletin, Delivery
from messaging.checkins import services
from messaging.checkins.models import DEFAULT_CHOICES, CheckIn, Choice
from tests.checkins.asking import ask, ask_incident
from tests.factories import BulletinFactory, OrganisationFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(officer, sector_a, westminster):
    return bulletin_services.open_incident(title="Cordon at Oxford Circus", sectors=[sector_a],
                                           boroughs=[westminster], by=officer)


@pytest.fixture
def placed(sector_a, sector_b, westminster, camden):
    """Retail in Westminster and in Camden, banking in Westminster."""
    return {
        "retail_westminster": member_of(sector_a, organisation=OrganisationFactory(boroughs=[westminster])),
        "retail_camden": member_of(sector_a, organisation=OrganisationFactory(boroughs=[camden])),
        "bank_westminster": member_of(sector_b, organisation=OrganisationFactory(boroughs=[westminster])),
    }


def form_data(incident, **overrides) -> dict:
    data = {"incident": incident.pk, "question": "Are your premises inside the cordon?", "deadline": "",
            "remind_at": ""}
    for index, (label, contact) in enumerate(DEFAULT_CHOICES, start=1):
        data[f"choice_{index}"] = label
        if contact:
            data[f"contact_{index}"] = "on"
    data.update(overrides)
    return data


def post_once(client, data):
    page = client.get(reverse("checkins:create") + f"?incident={data['incident']}")
    token = page.context["form"] and page.content.decode().split('name="once_token" value="')[1].split('"')[0]
    return client.post(reverse("checkins:create"), {**data, "once_token": token})


def test_the_form_starts_with_the_default_answers(client, officer, incident):
    client.force_login(officer)
    page = client.get(reverse("checkins:create") + f"?incident={incident.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    for label, _ in DEFAULT_CHOICES:
        assert f'value="{label}"' in html
    assert page.context["form"]["contact_4"].value() is True  # "Need police contact"
    assert 'name="choice_6"' in html  # room for two more
    # Each row's "needs police contact" box says, to a screen reader, which answer it is for.
    for index in range(1, 7):
        assert f'Needs police contact<span class="visually-hidden"> (answer {index})</span>' in html


def test_opening_on_an_incident_publishes_the_question_to_exactly_its_audience(client, officer, incident, placed,
                                                                              django_capture_on_commit_callbacks):
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_once(client, form_data(incident, choice_5="Staff sent home"))
    check_in = CheckIn.objects.get()
    assert response.status_code == 302 and response["Location"] == check_in.get_absolute_url()
    assert [c.label for c in check_in.choices.all()] == [label for label, _ in DEFAULT_CHOICES] + ["Staff sent home"]
    assert [c.needs_contact for c in check_in.choices.all()] == [False, False, False, True, False]
    carrier = check_in.carrier
    assert carrier.is_published and carrier.kind == Bulletin.Kind.INCIDENT_UPDATE and carrier.incident == incident
    assert carrier.title == "Are you affected? Are your premises inside the cordon?"
    asked = set(Delivery.objects.filter(bulletin=carrier).values_list("user_id", flat=True))
    assert asked == set(recipients(Audience.of_incident(incident)).values_list("pk", flat=True))
    assert asked == {placed["retail_westminster"].pk}
    assert AuditEntry.objects.filter(action="checkin.open", target_id=str(check_in.pk)).exists()
    assert check_in.live_answers["url"] == check_in.get_absolute_url()
    assert "the question has gone to 1 member." in client.get(response["Location"]).content.decode()


def test_opening_from_a_bulletin_asks_its_audience_and_named_people(client, officer, sector_b, placed,
                                                                    django_capture_on_commit_callbacks):
    named = member_of(sector_b, organisation=OrganisationFactory())
    about = BulletinFactory(author=officer, sectors=[sector_b], kind=Bulletin.Kind.FRAUD_ALERT,
                            severity=Bulletin.Severity.WARNING)
    about.named_recipients.set([named])
    bulletin_services.publish_bulletin(about, by=officer)
    client.force_login(officer)
    page = client.get(reverse("checkins:create") + f"?bulletin={about.pk}")
    token = page.content.decode().split('name="once_token" value="')[1].split('"')[0]
    data = form_data(about, bulletin=about.pk, once_token=token)
    del data["incident"]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("checkins:create"), data).status_code == 302
    check_in = CheckIn.objects.get()
    assert check_in.about == about and check_in.incident is None
    carrier = check_in.carrier
    assert (carrier.kind, carrier.severity, carrier.everyone) == (about.kind, about.severity, about.everyone)
    assert set(carrier.sectors.all()) == {sector_b}
    assert set(carrier.named_recipients.all()) == {named}
    assert set(carrier.deliveries.values_list("user_id", flat=True)) == set(
        about.deliveries.values_list("user_id", flat=True))


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"question": ""}, "question", "Write the question to ask."),
    ({"choice_2": "", "choice_3": "", "choice_4": ""}, "choice_1", "at least 2 answers"),
    ({"choice_3": "not affected"}, "choice_1", "Two answers read"),
    ({"deadline": "2001-01-01T10:00"}, "deadline", "in the future"),
    ({"remind_at": "2001-01-01T10:00"}, "remind_at", "in the future"),
])
def test_what_will_not_do_is_said_beside_it_and_what_was_typed_is_kept(client, officer, incident, overrides, field,
                                                                       message):
    client.force_login(officer)
    response = post_once(client, form_data(incident, **overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert CheckIn.objects.count() == 0 and Bulletin.objects.filter(title__startswith="Are you").count() == 0
    assert "Are your premises inside the cordon?" in response.content.decode() or overrides.get("question") == ""


def test_the_reminder_must_come_before_the_deadline(client, officer, incident):
    client.force_login(officer)
    soon = timezone.localtime() + timedelta(hours=2)
    response = post_once(client, form_data(incident, deadline=soon.strftime("%Y-%m-%dT%H:%M"),
                                           remind_at=(soon + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")))
    assert "before the deadline" in " ".join(response.context["form"].errors["remind_at"])


def test_a_double_submit_opens_one_check_in(client, officer, incident):
    client.force_login(officer)
    page = client.get(reverse("checkins:create") + f"?incident={incident.pk}")
    token = page.content.decode().split('name="once_token" value="')[1].split('"')[0]
    data = {**form_data(incident), "once_token": token}
    first = client.post(reverse("checkins:create"), data)
    second = client.post(reverse("checkins:create"), data)
    assert first.status_code == second.status_code == 302
    assert CheckIn.objects.count() == 1 and Choice.objects.count() == 4
    assert second["Location"] == incident.get_absolute_url()


def test_the_service_refuses_more_than_six_answers_and_blank_ones_do_not_count(officer, incident):
    seven = [services.ChoiceSpec(f"Answer {n}") for n in range(7)]
    with pytest.raises(services.CheckInError, match="at most 6"):
        ask(officer, incident=incident, choices=seven)
    with pytest.raises(services.CheckInError, match="at least 2"):
        ask(officer, incident=incident, choices=[services.ChoiceSpec("Yes"), services.ChoiceSpec("  ")])
    assert CheckIn.objects.count() == 0


def test_a_resolved_incident_or_an_unpublished_bulletin_is_not_asked(officer, incident, sector_a):
    bulletin_services.resolve_incident(incident, body="All clear.", by=officer)
    with pytest.raises(services.CheckInError, match="resolved"):
        ask(officer, incident=incident)
    draft = BulletinFactory(author=officer, sectors=[sector_a])
    with pytest.raises(services.CheckInError, match="not published"):
        ask(officer, about=draft)
    assert CheckIn.objects.count() == 0


def test_a_check_ins_own_bulletin_is_not_asked_about_again(officer, sector_a):
    check_in = ask_incident(officer, [sector_a])
    with pytest.raises(services.CheckInError, match="already"):
        ask(officer, about=check_in.carrier)


def test_the_incident_room_and_a_bulletins_page_lead_officers_to_ask(client, officer, incident, sector_a, people):
    client.force_login(officer)
    room = client.get(incident.get_absolute_url()).content.decode()
    assert f'{reverse("checkins:create")}?incident={incident.pk}' in room
    bulletin = BulletinFactory(author=officer, sectors=[sector_a])
    bulletin_services.publish_bulletin(bulletin, by=officer)
    page = client.get(bulletin.get_absolute_url()).content.decode()
    assert f'{reverse("checkins:create")}?bulletin={bulletin.pk}' in page
    client.force_login(people.member_a)
    assert "?incident=" not in client.get(incident.get_absolute_url()).content.decode()
    assert "?bulletin=" not in client.get(bulletin.get_absolute_url()).content.decode()
