"""OFFICIAL-SENSITIVE never leaves the portal in clear through the feeds, and hostile text in titles, bodies and
locations comes out of the calendar page, the ICS and the Atom feed as text (escaped; the XML well formed)."""

import xml.etree.ElementTree as ET

import icalendar
import pytest
from django.urls import reverse

from messaging.bulletins.models import SENSITIVE_PLACEHOLDER, Bulletin
from tests.feeds.conftest import absolute, bulletins_url, events_url, vevents
from tests.xss import CORPUS, executable_markup

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_a_sensitive_event_carries_only_the_placeholder_its_times_and_its_url(client, people, publish, sector_a):
    bulletin = publish(title="Royal visit to Camden Lock", body="Route via Chalk Farm Road, protected persons",
                       location="Camden Lock Market", marking=Bulletin.Marking.OFFICIAL_SENSITIVE, sectors=[sector_a])
    ics = client.get(events_url(people.member_a)).content
    atom = client.get(bulletins_url(people.member_a)).content

    for output in (ics.replace(b"\r\n ", b""), atom):
        for secret in ("Royal visit", "Camden Lock", "Chalk Farm", "protected persons"):
            assert secret.encode() not in output
    [event] = vevents(icalendar.Calendar.from_ical(ics))
    assert str(event["SUMMARY"]) == SENSITIVE_PLACEHOLDER
    assert "DESCRIPTION" not in event and "LOCATION" not in event
    assert str(event["URL"]) == absolute(bulletin)
    assert event.decoded("DTSTART") == bulletin.starts_at.replace(microsecond=0)
    [entry] = ET.fromstring(atom).findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == SENSITIVE_PLACEHOLDER
    assert entry.find(f"{ATOM}link").get("href") == absolute(bulletin)
    assert entry.find(f"{ATOM}summary") is None and entry.findall(f"{ATOM}category") == []


def test_a_withdrawn_sensitive_event_says_nothing_of_its_reason(client, people, publish, withdraw, sector_a):
    bulletin = publish(title="Secret", marking=Bulletin.Marking.OFFICIAL_SENSITIVE, sectors=[sector_a])
    withdraw(bulletin, reason="The principal cancelled the Camden visit")
    ics = client.get(events_url(people.member_a)).content.replace(b"\r\n ", b"")
    assert b"Camden" not in ics and b"Secret" not in ics
    assert b"STATUS:CANCELLED" in ics


def test_hostile_text_comes_out_as_text_everywhere(client, people, publish, sector_a):
    for text in CORPUS:
        publish(title=text[:200], body=text, location=text[:200], sectors=[sector_a])

    client.force_login(people.member_a)
    for page in (client.get(reverse("calendar:index")), client.get(reverse("calendar:index") + "?view=month")):
        html = page.content.decode()
        assert executable_markup(html) == []
        assert "<script>alert" not in html

    calendar = icalendar.Calendar.from_ical(client.get(events_url(people.member_a)).content)
    assert sorted(str(event["SUMMARY"]) for event in vevents(calendar)) == sorted(text[:200] for text in CORPUS)
    assert sorted(str(event["LOCATION"]) for event in vevents(calendar)) == sorted(text[:200] for text in CORPUS)

    atom = client.get(bulletins_url(people.member_a)).content
    feed = ET.fromstring(atom)  # well formed
    entries = feed.findall(f"{ATOM}entry")
    assert sorted(entry.findtext(f"{ATOM}title") for entry in entries) == sorted(text[:200] for text in CORPUS)
    assert b"<script" not in atom and b"<img" not in atom  # every "<" of the corpus is escaped
    for entry in entries:  # summaries are plain text, never markup a reader would render
        summary = entry.find(f"{ATOM}summary")
        assert summary is None or summary.get("type") in (None, "text")


def test_control_characters_in_a_title_do_not_break_the_feeds(client, people, publish, sector_a):
    publish(title="Bell\x07 and\x1b escape", location="Form\x0cfeed", sectors=[sector_a])
    calendar = icalendar.Calendar.from_ical(client.get(events_url(people.member_a)).content)
    assert str(vevents(calendar)[0]["SUMMARY"]) == "Bell and escape"
    feed = ET.fromstring(client.get(bulletins_url(people.member_a)).content)
    assert feed.find(f"{ATOM}entry").findtext(f"{ATOM}title") == "Bell and escape"
