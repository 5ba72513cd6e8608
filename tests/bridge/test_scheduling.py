"""Scheduling a call from the form: who is invited, the invitee count before sending, every bad input beside its
field with nothing lost, one invitation per person, and a double submit that sends nothing twice."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from messaging.bridge import services
from messaging.bridge.models import BridgeCall, Invitation
from messaging.bulletins import services as bulletin_services
from tests.bridge.conftest import appoint, form_data, in_future
from tests.bulletins.pages import once_token
from tests.factories import BulletinFactory, member_of

pytestmark = pytest.mark.django_db

NEW = reverse("bridge:create")


def post_form(client, data, url=NEW):
    token = once_token(client.get(url).content.decode())
    return client.post(url, {**data, "once_token": token})


def test_an_officer_schedules_a_call_and_the_representatives_are_invited_with_their_deputies(
        client, officer, reps, sector_a, django_capture_on_commit_callbacks):
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(client, form_data(officer, sectors=[sector_a.pk]))
    call = BridgeCall.objects.get()
    assert response.status_code == 302 and response["Location"] == call.get_absolute_url()
    invitations = {invitation.user: invitation for invitation in call.invitations.all()}
    assert set(invitations) == {reps["rita"], reps["cathy"]}
    assert invitations[reps["rita"]].deputy == reps["dave"] and invitations[reps["rita"]].sector == sector_a
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [reps["rita"].email, reps["dave"].email, reps["cathy"].email])
    assert AuditEntry.objects.filter(action="bridge_call.schedule", target_id=str(call.pk)).exists()


def test_the_start_is_entered_in_london_time_and_stored_utc(client, officer, reps, sector_a):
    client.force_login(officer)
    post_form(client, form_data(officer, sectors=[sector_a.pk], starts_at="2031-07-01T10:00"))
    call = BridgeCall.objects.get()
    assert call.starts_at == datetime(2031, 7, 1, 9, 0, tzinfo=UTC)  # BST is UTC+1


def test_boroughs_narrow_the_representatives_to_organisations_with_premises_there(schedule, reps, sector_a,
                                                                                  sector_b, westminster):
    call = schedule(sectors=[sector_a, sector_b], boroughs=[westminster])
    assert {i.user for i in call.invitations.all()} == {reps["rita"], reps["barry"]}


def test_a_representative_of_two_chosen_sectors_and_named_too_is_invited_once(schedule, reps, sector_a, sector_b):
    appoint(sector_b, reps["rita"])
    reps["rita"].memberships.create(sector=sector_b, status="approved")
    call = schedule(sectors=[sector_a, sector_b], named=[reps["rita"], reps["colleague"]])
    users = [invitation.user for invitation in call.invitations.all()]
    assert sorted(u.pk for u in users) == sorted({reps["rita"].pk, reps["cathy"].pk, reps["barry"].pk,
                                                  reps["colleague"].pk})
    assert Invitation.objects.get(call=call, user=reps["colleague"]).sector is None


def test_a_suspended_representative_is_not_invited_and_a_suspended_deputy_is_not_copied(schedule, reps, sector_a):
    reps["cathy"].memberships.update(status="suspended")
    reps["dave"].memberships.update(status="suspended")
    call = schedule(sectors=[sector_a])
    assert [(i.user, i.deputy) for i in call.invitations.all()] == [(reps["rita"], None)]


def test_check_invitees_shows_the_count_and_the_names_and_sends_nothing(client, officer, reps, sector_a):
    client.force_login(officer)
    response = client.post(NEW, {**form_data(officer, sectors=[sector_a.pk]), "preview": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "This will invite 2 people" in page and "Rita Retail" in page and "Cathy Camden" in page
    assert not BridgeCall.objects.exists() and not mail.outbox


def test_the_invitee_count_fragment_follows_the_choices(client, officer, reps, sector_a, westminster):
    client.force_login(officer)
    url = reverse("bridge:invitee_count")
    assert "This will invite 2 people" in client.get(url, {"sectors": [sector_a.pk]}).content.decode()
    page = client.get(url, {"sectors": [sector_a.pk], "boroughs": [westminster.pk], "capacity": "1"}).content.decode()
    assert "This will invite 1 person" in page
    page = client.get(url, {"sectors": [sector_a.pk], "capacity": "1", "named": "nobody@example.org"}).content.decode()
    assert "capacity is 1" in page and "nobody@example.org" in page


def test_capacity_exceeded_is_refused_beside_the_capacity_with_the_numbers(client, officer, reps, sector_a, sector_b):
    client.force_login(officer)
    response = post_form(client, form_data(officer, sectors=[sector_a.pk, sector_b.pk], capacity="2"))
    page = response.content.decode()
    assert response.status_code == 200
    assert ("This call would invite 3 people but its capacity is 2: narrow the sectors or boroughs, or raise the "
            "capacity") in page
    assert "Marathon road closures" in page  # what was typed is kept
    assert not BridgeCall.objects.exists() and not mail.outbox


@pytest.mark.parametrize(("field", "value", "message"), [
    ("starts_at", (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "The start is in the past"),
    ("join_url", "http://meet.example.org/bridge", "The join link must start with https://"),
    ("access_pin", "12ab", "The access PIN is 4 to 12 digits"),
    ("access_pin", "123", "The access PIN is 4 to 12 digits"),
    ("access_pin", "1234567890123", "The access PIN is 4 to 12 digits"),
    ("dial_in", "call Bob", "Not a telephone number"),
    ("named", "stranger@example.org", "Not an approved member of the Hub: stranger@example.org"),
    ("title", "", "Give the call a title"),
    ("duration_minutes", "1", "at least 5 minutes"),
])
def test_bad_input_is_refused_beside_its_field_and_nothing_typed_is_lost(client, officer, reps, sector_a, field,
                                                                        value, message):
    client.force_login(officer)
    data = form_data(officer, sectors=[sector_a.pk], agenda="Keep this agenda", **{field: value})
    response = post_form(client, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert f'href="#id_{field}"' in page  # the error summary links to the field
    assert "Keep this agenda" in page
    assert not BridgeCall.objects.exists() and not mail.outbox


def test_no_sector_and_nobody_named_is_refused(client, officer, reps):
    client.force_login(officer)
    page = post_form(client, form_data(officer)).content.decode()
    assert "Choose at least one sector, or name the members to invite." in page


def test_a_double_submit_schedules_once_and_sends_each_invitation_once(client, officer, reps, sector_a,
                                                                       django_capture_on_commit_callbacks):
    client.force_login(officer)
    token = once_token(client.get(NEW).content.decode())
    data = {**form_data(officer, sectors=[sector_a.pk]), "once_token": token}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(NEW, data)
        second = client.post(NEW, data)
    assert first.status_code == 302 and second.status_code == 302
    assert BridgeCall.objects.count() == 1
    assert len(mail.outbox) == 3


def test_the_form_is_prefilled_from_an_incident(client, officer, reps, sector_a, westminster):
    incident = bulletin_services.open_incident(title="Flood at Victoria", sectors=[sector_a], boroughs=[westminster],
                                               by=officer)
    client.force_login(officer)
    page = client.get(NEW, {"incident": incident.pk}).content.decode()
    assert "Bridge call: Flood at Victoria" in page
    assert f'value="{incident.pk}" selected' in page
    assert f'value="{sector_a.pk}" id="id_sectors_' in page and "checked" in page


def test_a_notice_must_be_a_published_pre_planning_notice(client, officer, reps, sector_a,
                                                          django_capture_on_commit_callbacks):
    advice = BulletinFactory(author=officer, kind="advice", sectors=[sector_a])
    with django_capture_on_commit_callbacks(execute=True):
        bulletin_services.publish_bulletin(advice, by=officer)
    client.force_login(officer)
    response = post_form(client, form_data(officer, sectors=[sector_a.pk], bulletin=str(advice.pk)))
    assert "Choose a published pre-planning notice." in response.content.decode()
    notice = BulletinFactory(author=officer, kind="pre_planning", sectors=[sector_a])
    with django_capture_on_commit_callbacks(execute=True):
        bulletin_services.publish_bulletin(notice, by=officer)
    response = post_form(client, form_data(officer, sectors=[sector_a.pk], bulletin=str(notice.pk)))
    assert response.status_code == 302 and BridgeCall.objects.get().bulletin == notice


def test_the_service_refuses_a_start_in_the_past(officer, reps, sector_a):
    with pytest.raises(services.BridgeCallError, match="in the past"):
        services.schedule_call(by=officer, sectors=[sector_a], title="Late", chair=officer, dial_in="020 7946 0000",
                               access_pin="1234", starts_at=timezone.now() - timedelta(minutes=1))


def test_the_chair_defaults_to_the_officer_and_must_be_an_officer(client, officer, reps, sector_a):
    client.force_login(officer)
    page = client.get(NEW).content.decode()
    assert f'<option value="{officer.pk}" selected>' in page
    response = post_form(client, form_data(officer, sectors=[sector_a.pk], chair=str(reps["rita"].pk)))
    assert "Choose an officer as the chair." in response.content.decode()


# Editing and cancelling ----------------------------------------------------------------------------------------


def test_moving_a_call_sends_an_update_with_a_higher_sequence_saying_it_moved(client, officer, reps, sector_a,
                                                                             schedule,
                                                                             django_capture_on_commit_callbacks):
    call = schedule(sectors=[sector_a])
    mail.outbox.clear()
    client.force_login(officer)
    url = reverse("bridge:edit", args=[call.pk])
    new_start = in_future(48)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(client, form_data(officer, sectors=[sector_a.pk],
                                               starts_at=new_start.strftime("%Y-%m-%dT%H:%M")), url)
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.ics_sequence == 1 and call.starts_at == new_start
    assert len(mail.outbox) == 3
    assert all("moved" in message.subject for message in mail.outbox)
    assert AuditEntry.objects.filter(action="bridge_call.update", target_id=str(call.pk)).exists()


def test_changing_the_audience_invites_the_added_and_cancels_for_the_removed(officer, reps, sector_a, sector_b,
                                                                             schedule, committed):
    call = schedule(sectors=[sector_a])
    mail.outbox.clear()
    fields = {name: getattr(call, name) for name in services.CALL_FIELDS}
    committed(services.update_call, call, by=officer, sectors=[sector_b], **fields)
    call.refresh_from_db()
    assert call.ics_sequence == 0  # nothing the remaining invitees see changed
    assert [i.user for i in call.invitations.all()] == [reps["barry"]]
    by_person = {message.to[0]: message for message in mail.outbox}
    assert set(by_person) == {reps["barry"].email, reps["rita"].email, reps["dave"].email, reps["cathy"].email}
    assert "invitation" in by_person[reps["barry"].email].subject.lower()
    assert "no longer invited" in by_person[reps["cathy"].email].subject.lower()
    assert "METHOD:CANCEL" in str(by_person[reps["cathy"].email].attachments[0][1])


def test_an_edit_to_a_past_start_is_refused(client, officer, reps, sector_a, schedule):
    call = schedule(sectors=[sector_a])
    client.force_login(officer)
    url = reverse("bridge:edit", args=[call.pk])
    past = (timezone.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = post_form(client, form_data(officer, sectors=[sector_a.pk], starts_at=past), url)
    assert "The start is in the past" in response.content.decode()
    call.refresh_from_db()
    assert call.ics_sequence == 0


def test_cancelling_tells_everyone_and_the_call_stays_listed_as_cancelled(client, officer, reps, sector_a, schedule,
                                                                          django_capture_on_commit_callbacks):
    call = schedule(sectors=[sector_a])
    mail.outbox.clear()
    client.force_login(officer)
    url = reverse("bridge:cancel", args=[call.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(client, {"reason": "The march was called off."}, url)
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.is_cancelled and call.cancellation_reason == "The march was called off."
    assert len(mail.outbox) == 3 and all("cancelled" in m.subject for m in mail.outbox)
    assert all("The march was called off." in m.body for m in mail.outbox)
    page = client.get(reverse("bridge:list")).content.decode()
    assert "Cancelled" in page and call.title in page
    assert AuditEntry.objects.filter(action="bridge_call.cancel", target_id=str(call.pk)).exists()


def test_a_cancelled_call_cannot_be_edited_or_cancelled_again(officer, reps, sector_a, schedule, committed):
    call = schedule(sectors=[sector_a])
    committed(services.cancel_call, call, by=officer, reason="Off")
    with pytest.raises(services.BridgeCallError):
        services.cancel_call(call, by=officer, reason="Again")
    with pytest.raises(services.BridgeCallError):
        services.update_call(call, by=officer, sectors=[sector_a], title="New")


def test_the_list_shows_upcoming_then_past_calls_in_a_bounded_number_of_queries(
        client, officer, reps, sector_a, schedule, django_assert_max_num_queries):
    for hours in (5, 1, 3):
        schedule(sectors=[sector_a], title=f"In {hours} hours", starts_at=in_future(hours))
    BridgeCall.objects.filter(title="In 3 hours").update(starts_at=timezone.now() - timedelta(days=2),
                                                         ends_at=timezone.now() - timedelta(days=2, hours=-1))
    client.force_login(reps["rita"])
    with django_assert_max_num_queries(14):
        page = client.get(reverse("bridge:list")).content.decode()
    assert page.index("In 1 hours") < page.index("In 5 hours") < page.index("In 3 hours")
    assert "You are invited: not answered" in page
    for number in range(20):
        schedule(sectors=[sector_a], title=f"Extra {number}", starts_at=in_future(10 + number))
    with django_assert_max_num_queries(14):
        client.get(reverse("bridge:list"))


def test_a_member_outside_a_calls_audience_does_not_see_it_listed(client, officer, reps, sector_a, schedule):
    schedule(sectors=[sector_a], title="Retail only")
    client.force_login(member_of(reps["barry"].memberships.first().sector))
    assert "Retail only" not in client.get(reverse("bridge:list")).content.decode()
