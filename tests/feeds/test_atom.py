"""The Atom feed, parsed back with xml.etree: exactly the inbox, newest first."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging.bulletins.models import Bulletin, Delivery
from messaging.feeds.selectors import ATOM_ENTRIES
from tests.feeds.conftest import absolute, bulletins_url

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client, user) -> list[ET.Element]:
    response = client.get(bulletins_url(user))
    assert response.status_code == 200
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    return feed.findall(f"{ATOM}entry")


def link(entry: ET.Element) -> str:
    return entry.find(f"{ATOM}link").get("href")


def test_the_feed_is_the_inbox_newest_first(client, people, publish, sector_a, sector_b):
    mine = [publish(title=f"Mine {n}", kind=kind, sectors=[sector_a])
            for n, kind in enumerate([Bulletin.Kind.ADVICE, Bulletin.Kind.PRE_PLANNING, Bulletin.Kind.FRAUD_ALERT])]
    publish(title="Not mine", sectors=[sector_b])
    found = entries(client, people.member_a)

    inbox = Delivery.objects.filter(user=people.member_a).order_by("-created_at", "-bulletin_id")
    assert [link(entry) for entry in found] == [absolute(delivery.bulletin) for delivery in inbox]
    assert [entry.findtext(f"{ATOM}title") for entry in found] == ["Mine 2", "Mine 1", "Mine 0"]
    assert {absolute(bulletin) for bulletin in mine} == {link(entry) for entry in found}


def test_an_entry_has_a_stable_id_a_link_dates_and_a_plain_text_summary(client, people, publish, withdraw,
                                                                          sector_a):
    bulletin = publish(title="Fraud wave", kind=Bulletin.Kind.FRAUD_ALERT, sectors=[sector_a],
                       body="Callers pose as **bank staff** <b>now</b> & then.")
    response = client.get(bulletins_url(people.member_a))
    assert response["Content-Type"].startswith("application/atom+xml")
    assert response["Cache-Control"] == "private"
    [entry] = ET.fromstring(response.content).findall(f"{ATOM}entry")

    entry_id = entry.findtext(f"{ATOM}id")
    assert entry_id.startswith("tag:hub.example.org,") and entry_id.endswith(bulletin.get_absolute_url())
    assert link(entry) == absolute(bulletin)
    assert entry.findtext(f"{ATOM}published") and entry.findtext(f"{ATOM}updated")
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") in (None, "text")
    assert summary.text == "Callers pose as bank staff now & then."
    assert {category.get("term") for category in entry.findall(f"{ATOM}category")} == {"Fraud alert", "Info"}

    withdraw(bulletin)
    [entry] = entries(client, people.member_a)
    assert entry.findtext(f"{ATOM}id") == entry_id
    assert entry.findtext(f"{ATOM}title") == "Withdrawn: Fraud wave"


def test_the_feed_holds_the_latest_50(client, people, publish, sector_a):
    now = timezone.now()
    bulletins = [publish(title=f"B{n}", sectors=[sector_a]) for n in range(ATOM_ENTRIES + 2)]
    for n, bulletin in enumerate(bulletins):  # distinct times, oldest first
        Bulletin.objects.filter(pk=bulletin.pk).update(published_at=now - timedelta(minutes=len(bulletins) - n))
    found = entries(client, people.member_a)
    assert len(found) == ATOM_ENTRIES
    assert [link(entry) for entry in found] == [absolute(bulletin) for bulletin in reversed(bulletins)][:ATOM_ENTRIES]


def test_an_officer_feed_has_every_published_bulletin_but_no_drafts(client, people, publish, sector_a, sector_b):
    from tests.factories import BulletinFactory
    published = [publish(sectors=[sector_a]), publish(sectors=[sector_b])]
    BulletinFactory(title="Draft", author=people.officer, sectors=[sector_a])
    assert {link(entry) for entry in entries(client, people.officer)} == {absolute(b) for b in published}


def test_the_feed_points_back_to_the_inbox(client, people):
    feed = ET.fromstring(client.get(bulletins_url(people.member_a)).content)
    hrefs = {element.get("rel"): element.get("href") for element in feed.findall(f"{ATOM}link")}
    assert hrefs["alternate"] == "https://hub.example.org" + reverse("bulletins:inbox")
    assert hrefs["self"] == "https://hub.example.org" + bulletins_url(people.member_a)
