"""The iCalendar invitation parsed back with icalendar, field by field, and the e-mails that carry it."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from messaging.bridge import ics, services
from messaging.bridge.models import Invitation
from tests.bridge.conftest import in_future

pytestmark = pytest.mark.django_db


def calendar_of(message) -> Calendar:
    (name, content, mimetype), = [a for a in message.attachments if a[2].startswith("text/calendar")]
    assert name.endswith(".ics")
    return Calendar.from_ical(content)


def event_of(calendar: Calendar):
    events = [component for component in calendar.walk("VEVENT")]
    assert len(events) == 1
    return events[0]


def mail_to(user):
    return [message for message in mail.outbox if message.to == [user.email]]


def test_the_invitation_calendar_field_by_field(schedule, officer, reps, sector_a):
    call = schedule(sectors=[sector_a])
    message, = mail_to(reps["rita"])
    (_, _, mimetype), = message.attachments
    assert mimetype == "text/calendar; method=REQUEST; charset=UTF-8"
    calendar = calendar_of(message)
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0" and calendar["PRODID"] == ics.PRODID
    timezones = calendar.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Europe/London"]
    event = event_of(calendar)
    assert str(event["UID"]) == f"{call.uid}@127.0.0.1"
    assert event["SEQUENCE"] == 0
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event["DTSTART"].dt == call.starts_at and event["DTEND"].dt == call.ends_at
    assert event["DTSTART"].dt.tzinfo.key == "Europe/London"
    assert "DTSTAMP" in event
    assert str(event["SUMMARY"]) == "Bridge call: Marathon road closures"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["LOCATION"]) == "+44 20 7946 0000"
    assert str(event["URL"]).endswith(call.get_absolute_url())
    description = str(event["DESCRIPTION"])
    assert "Roads" in description and "*Roads*" not in description  # the agenda as plain text
    assert "PIN: 123456" in description and "020 7946 0001" in description
    assert "https://meet.example.org/bridge" in description
    organizer = event["ORGANIZER"]
    assert str(organizer) == f"mailto:{officer.email}" and organizer.params["CN"] == officer.display_name
    attendees = event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
    assert sorted(str(a) for a in attendees) == sorted(f"mailto:{u.email}" for u in (reps["rita"], reps["cathy"]))
    for attendee in attendees:
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["RSVP"] == "TRUE"
        assert attendee.params["CN"] in ("Rita Retail", "Cathy Camden")


def test_the_uid_is_stable_and_the_sequence_rises_with_each_update_then_the_cancellation(schedule, officer, reps,
                                                                                         sector_a, committed):
    call = schedule(sectors=[sector_a])
    first = event_of(calendar_of(mail_to(reps["cathy"])[0]))
    mail.outbox.clear()
    fields = {name: getattr(call, name) for name in services.CALL_FIELDS}
    committed(services.update_call, call, by=officer, sectors=[sector_a], **{**fields, "starts_at": in_future(30)})
    update_calendar = calendar_of(mail_to(reps["cathy"])[0])
    update = event_of(update_calendar)
    assert update_calendar["METHOD"] == "REQUEST"
    assert str(update["UID"]) == str(first["UID"]) and update["SEQUENCE"] == 1
    mail.outbox.clear()
    committed(services.cancel_call, call, by=officer, reason="Called off")
    message = mail_to(reps["cathy"])[0]
    assert message.attachments[0][2] == "text/calendar; method=CANCEL; charset=UTF-8"
    cancel_calendar = calendar_of(message)
    cancel = event_of(cancel_calendar)
    assert cancel_calendar["METHOD"] == "CANCEL" and str(cancel["STATUS"]) == "CANCELLED"
    assert str(cancel["UID"]) == str(first["UID"]) and cancel["SEQUENCE"] == 2
    assert "PIN" not in str(cancel["DESCRIPTION"]) and str(cancel["LOCATION"]) == "Bridge call"


def test_partstat_follows_each_answer_and_a_delegate_is_named(schedule, reps, sector_a, committed):
    call = schedule(sectors=[sector_a])
    rita = Invitation.objects.get(call=call, user=reps["rita"])
    cathy = Invitation.objects.get(call=call, user=reps["cathy"])
    committed(services.respond, rita, by=reps["rita"], response="delegated", delegate=reps["colleague"])
    committed(services.respond, cathy, by=reps["cathy"], response="declined")
    event = event_of(Calendar.from_ical(ics.build(call, list(call.invitations.select_related("user", "delegate")))))
    by_address = {str(a): a.params for a in event["ATTENDEE"]}
    assert by_address[f"mailto:{reps['rita'].email}"]["PARTSTAT"] == "DELEGATED"
    assert by_address[f"mailto:{reps['rita'].email}"]["DELEGATED-TO"] == f"mailto:{reps['colleague'].email}"
    assert by_address[f"mailto:{reps['colleague'].email}"]["DELEGATED-FROM"] == f"mailto:{reps['rita'].email}"
    assert by_address[f"mailto:{reps['cathy'].email}"]["PARTSTAT"] == "DECLINED"


def test_the_calendar_download_is_for_invitees_and_officers(client, schedule, officer, reps, sector_a):
    call = schedule(sectors=[sector_a])
    url = reverse("bridge:ics", args=[call.pk])
    for person in (reps["rita"], reps["dave"], officer):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")
        assert response["Content-Disposition"] == f'attachment; filename="bridge-call-{call.pk}.ics"'
        assert str(event_of(Calendar.from_ical(response.content))["UID"]).startswith(str(call.uid))
    client.force_login(reps["colleague"])  # in the sector, not invited, the call is not on an incident: unseen
    assert client.get(url).status_code == 404


def test_the_invitation_email_has_text_html_the_calendar_and_the_rsvp_links(schedule, reps, sector_a):
    call = schedule(sectors=[sector_a])
    message, = mail_to(reps["rita"])
    assert message.subject.startswith("[The Hub] Bridge call invitation: Marathon road closures")
    assert message.extra_headers["Message-ID"].startswith(f"<bridge-{call.pk}.invitation.0.")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    for body in (message.body, html):
        assert "/bridge/rsvp/" in body and "choice=accept" in body and "choice=decline" in body
        assert "choice=delegate" in body and "123456" in body
    deputy, = mail_to(reps["dave"])
    assert "you are their deputy" in deputy.body and "/bridge/rsvp/" in deputy.body


def test_the_reminder_and_cancellation_carry_no_rsvp_links(schedule, officer, reps, sector_a, committed):
    call = schedule(sectors=[sector_a])
    mail.outbox.clear()
    committed(services.cancel_call, call, by=officer, reason="Off")
    assert mail.outbox and all("/bridge/rsvp/" not in m.body and "123456" not in m.body for m in mail.outbox)


def test_a_newline_in_the_title_cannot_break_the_subject(schedule, reps, sector_a):
    schedule(sectors=[sector_a], title="Roads\r\nBcc: someone@example.org")
    assert all("\n" not in message.subject for message in mail.outbox)
    assert all(message.message()["Bcc"] is None for message in mail.outbox)


def test_the_calendar_of_a_call_in_winter_is_in_gmt(schedule, reps, sector_a):
    call = schedule(sectors=[sector_a], starts_at=in_future(24).replace(year=2031, month=1, day=15, hour=9))
    event = event_of(calendar_of(mail_to(reps["rita"])[0]))
    assert event["DTSTART"].dt.utcoffset() == timedelta(0) and event["DTSTART"].dt == call.starts_at
