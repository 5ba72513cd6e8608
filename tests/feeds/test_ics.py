"""The iCalendar feed, parsed back with icalendar's own parser, field by field."""

from datetime import date, timedelta

import icalendar
import pytest

from messaging.bulletins.models import Bulletin
from tests.feeds.conftest import absolute, by_url, events_url, fetch_calendar, london, soon, vevents

pytestmark = pytest.mark.django_db


def only_event(calendar) -> icalendar.Event:
    events = vevents(calendar)
    assert len(events) == 1, [str(event.get("SUMMARY")) for event in events]
    return events[0]


def test_an_event_carries_every_field_with_its_time_zone(client, people, publish, sector_a):
    bulletin = publish(title="Summer march", body="Expect **road closures** around Whitehall.",
                       location="Parliament Square", sectors=[sector_a],
                       starts_at=london(2027, 6, 14, 14, 0), ends_at=london(2027, 6, 14, 18, 30))
    response = client.get(events_url(people.member_a))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//The Hub//Pre-planned events//EN"
    assert str(calendar["X-WR-CALNAME"]) == "The Hub: pre-planned events"
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/London"
    assert {component.name for component in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}

    event = only_event(calendar)
    assert str(event["UID"]) == f"bulletin-series-{bulletin.pk}@hub.example.org"
    assert event.decoded("SEQUENCE") == 0
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event["DTEND"].params["TZID"] == "Europe/London"
    assert event.decoded("DTSTART") == london(2027, 6, 14, 14, 0)
    assert event.decoded("DTEND") == london(2027, 6, 14, 18, 30)
    assert b"DTSTART;TZID=Europe/London:20270614T140000" in response.content  # BST: the local time, not UTC
    assert event.decoded("DTSTAMP").tzinfo is not None
    assert str(event["SUMMARY"]) == "Summer march"
    assert str(event["DESCRIPTION"]).startswith("Expect road closures around Whitehall.")
    assert str(event["LOCATION"]) == "Parliament Square"
    assert str(event["URL"]) == absolute(bulletin)
    assert str(event["STATUS"]) == "CONFIRMED"


def test_the_uid_stays_the_same_across_supersedes_and_the_sequence_grows(client, people, publish, supersede,
                                                                          sector_a):
    first = publish(title="March", sectors=[sector_a], starts_at=london(2027, 3, 6, 12, 0))
    uid = str(only_event(fetch_calendar(client, people.member_a))["UID"])

    second = supersede(first, title="March (moved)", starts_at=london(2027, 3, 13, 12, 0))
    event = only_event(fetch_calendar(client, people.member_a))
    assert (str(event["UID"]), event.decoded("SEQUENCE")) == (uid, 1)
    assert event.decoded("DTSTART") == london(2027, 3, 13, 12, 0)
    assert (str(event["SUMMARY"]), str(event["URL"])) == ("March (moved)", absolute(second))

    third = supersede(second, title="March (route changed)", location="Hyde Park")
    event = only_event(fetch_calendar(client, people.member_a))
    assert (str(event["UID"]), event.decoded("SEQUENCE"), str(event["STATUS"])) == (uid, 2, "CONFIRMED")
    assert (str(event["LOCATION"]), str(event["URL"])) == ("Hyde Park", absolute(third))


def test_a_withdrawn_event_is_cancelled_with_a_higher_sequence(client, people, publish, withdraw, sector_a):
    bulletin = publish(title="Summit", sectors=[sector_a])
    withdraw(bulletin, reason="Postponed to next year")

    event = only_event(fetch_calendar(client, people.member_a))
    assert str(event["UID"]) == f"bulletin-series-{bulletin.pk}@hub.example.org"
    assert (str(event["STATUS"]), event.decoded("SEQUENCE")) == ("CANCELLED", 1)
    assert "Postponed to next year" in str(event["DESCRIPTION"])


@pytest.mark.parametrize("changes", [
    {"kind": Bulletin.Kind.ADVICE, "title": "Advice now"},  # no longer a pre-planning notice
    {"starts_at": None, "title": "No date any more"},  # no time any more
], ids=["another-kind", "no-time"])
def test_an_event_superseded_by_something_that_is_not_an_event_is_cancelled(client, people, publish, supersede,
                                                                              sector_a, changes):
    first = publish(title="Parade", sectors=[sector_a])
    supersede(first, **changes)

    event = only_event(fetch_calendar(client, people.member_a))
    assert str(event["UID"]) == f"bulletin-series-{first.pk}@hub.example.org"
    assert (str(event["STATUS"]), event.decoded("SEQUENCE")) == ("CANCELLED", 1)
    assert str(event["URL"]) == absolute(first)  # whose page links to the update


def test_an_event_whose_update_is_addressed_to_others_is_cancelled_for_those_left_out(
        client, people, publish, supersede, sector_a, sector_b):
    first = publish(title="Festival", sectors=[sector_a])
    supersede(first, sectors=[sector_b])  # the update's audience is sector B's

    assert str(only_event(fetch_calendar(client, people.member_a))["STATUS"]) == "CANCELLED"
    event = only_event(fetch_calendar(client, people.member_b))
    assert (str(event["UID"]), str(event["STATUS"])) == (f"bulletin-series-{first.pk}@hub.example.org", "CONFIRMED")


def test_a_long_title_folds_at_75_octets_and_unfolds_back_equal(client, people, publish, sector_a):
    title = ("Notting Hill Carnival — road closures, diversions; café and shop access " * 4)[:200]
    assert len(title) == 200
    publish(title=title, sectors=[sector_a])
    content = client.get(events_url(people.member_a)).content

    lines = content.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)
    assert any(line.startswith(b" ") for line in lines)  # folded
    content.decode("utf-8")  # no character cut in two at a fold
    assert str(only_event(icalendar.Calendar.from_ical(content))["SUMMARY"]) == title


def test_commas_semicolons_and_backslashes_in_titles_are_escaped(client, people, publish, sector_a):
    title = "March, rally; vigil\\ and more"
    publish(title=title, location="Trafalgar Square; north side, by the steps", sectors=[sector_a])
    response = client.get(events_url(people.member_a))

    unfolded = response.content.replace(b"\r\n ", b"")
    assert b"SUMMARY:March\\, rally\\; vigil\\\\ and more" in unfolded
    assert b"LOCATION:Trafalgar Square\\; north side\\, by the steps" in unfolded
    event = only_event(icalendar.Calendar.from_ical(response.content))
    assert str(event["SUMMARY"]) == title
    assert str(event["LOCATION"]) == "Trafalgar Square; north side, by the steps"


def test_an_event_with_no_end_has_no_dtend_nor_duration(client, people, publish, sector_a):
    publish(title="Vigil", sectors=[sector_a], starts_at=london(2027, 2, 1, 18, 30), ends_at=None)
    event = only_event(fetch_calendar(client, people.member_a))

    assert event.decoded("DTSTART") == london(2027, 2, 1, 18, 30)
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert "DTEND" not in event and "DURATION" not in event


@pytest.mark.parametrize(("starts_at", "ends_at", "dtstart", "dtend"), [
    (london(2027, 5, 8, 0, 0), london(2027, 5, 9, 0, 0), date(2027, 5, 8), None),  # one day
    (london(2027, 5, 8, 0, 0), None, date(2027, 5, 8), None),  # midnight with no end: that day
    (london(2027, 5, 8, 0, 0), london(2027, 5, 11, 0, 0), date(2027, 5, 8), date(2027, 5, 11)),  # 8 to 10 May
    (london(2027, 10, 30, 0, 0), london(2027, 11, 1, 0, 0), date(2027, 10, 30), date(2027, 11, 1)),  # over BST's end
], ids=["one-day", "midnight-no-end", "three-days", "over-the-clock-change"])
def test_all_day_events_are_dates(client, people, publish, sector_a, starts_at, ends_at, dtstart, dtend):
    publish(title="State funeral", sectors=[sector_a], starts_at=starts_at, ends_at=ends_at)
    response = client.get(events_url(people.member_a))
    event = only_event(icalendar.Calendar.from_ical(response.content))

    assert event["DTSTART"].params.get("VALUE") == "DATE"
    assert event.decoded("DTSTART") == dtstart
    assert (event.decoded("DTEND") if "DTEND" in event else None) == dtend
    assert f"DTSTART;VALUE=DATE:{dtstart:%Y%m%d}".encode() in response.content


def test_a_timed_event_from_midnight_is_not_all_day(client, people, publish, sector_a):
    publish(sectors=[sector_a], starts_at=london(2027, 5, 8, 0, 0), ends_at=london(2027, 5, 8, 6, 0))
    event = only_event(fetch_calendar(client, people.member_a))
    assert event.decoded("DTSTART") == london(2027, 5, 8, 0, 0)
    assert event["DTSTART"].params["TZID"] == "Europe/London"


def test_the_feed_has_upcoming_events_and_those_of_the_last_30_days(client, people, publish, sector_a, officer):
    upcoming = publish(title="Upcoming", sectors=[sector_a], starts_at=soon(3))
    recent = publish(title="Last week", sectors=[sector_a], starts_at=soon(-8), ends_at=soon(-7))
    recent_no_end = publish(title="Ten days ago", sectors=[sector_a], starts_at=soon(-10), ends_at=None)
    publish(title="Two months ago", sectors=[sector_a], starts_at=soon(-60), ends_at=soon(-59))
    publish(title="Advice", kind=Bulletin.Kind.ADVICE, sectors=[sector_a], starts_at=soon(2))
    publish(title="No time", sectors=[sector_a], starts_at=None)
    from tests.factories import BulletinFactory
    BulletinFactory(title="A draft", author=officer, kind=Bulletin.Kind.PRE_PLANNING, starts_at=soon(2),
                    sectors=[sector_a])

    for user in (people.member_a, people.officer):
        events = by_url(fetch_calendar(client, user))
        assert set(events) == {absolute(upcoming), absolute(recent), absolute(recent_no_end)}
    assert by_url(fetch_calendar(client, people.member_b)) == {}


def test_an_expired_event_stays_confirmed(client, people, publish, sector_a):
    from messaging.bulletins import services
    bulletin = publish(sectors=[sector_a], starts_at=soon(-3), ends_at=soon(-2))
    services.expire_ended()
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.EXPIRED
    assert str(only_event(fetch_calendar(client, people.member_a))["STATUS"]) == "CONFIRMED"


def test_a_vtimezone_covers_events_years_ahead(client, people, publish, sector_a):
    publish(sectors=[sector_a], starts_at=london(2031, 7, 1, 10, 0))
    calendar = fetch_calendar(client, people.member_a)
    [zone] = calendar.walk("VTIMEZONE")
    transitions = zone.to_ical().decode()
    assert "2031" in transitions
    assert only_event(calendar).decoded("DTSTART").utcoffset() == timedelta(hours=1)
