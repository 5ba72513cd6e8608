"""The feeds follow the audience rule exactly: on random sectors, boroughs, memberships and bulletins with random
audiences (published, superseded and withdrawn through the real services), every user's iCalendar feed holds
precisely the events of their calendar page, and their Atom feed precisely their inbox."""

import random
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from messaging.bulletins import services
from messaging.bulletins.models import Bulletin
from sectors.models import Borough, Membership, Sector
from tests.factories import BulletinFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.feeds.conftest import bulletins_url, events_url

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
SITE = "https://hub.example.org"


def build_world(rng: random.Random, officer, committed) -> list:
    sectors = list(Sector.objects.order_by("pk")[:4])
    boroughs = list(Borough.objects.order_by("pk")[:4])
    users = []
    for n in range(9):
        organisation = OrganisationFactory(boroughs=rng.sample(boroughs, rng.randint(0, 2)))
        user = UserFactory(verified=True, organisation=organisation, display_name=f"Random {n}")
        for sector in rng.sample(sectors, rng.randint(0, 2)):
            MembershipFactory(user=user, sector=sector, status=rng.choice(["approved", "approved", "applied"]))
        users.append(user)
    now = timezone.now()
    published = []
    for n in range(24):
        kind = rng.choice([Bulletin.Kind.PRE_PLANNING] * 3 + [Bulletin.Kind.ADVICE])
        starts_at = now + timedelta(days=rng.uniform(-20, 40)) if rng.random() < 0.9 else None
        ends_at = starts_at + timedelta(hours=rng.choice([2, 30])) if starts_at and rng.random() < 0.7 else None
        audience = {"everyone": rng.random() < 0.2, "sectors": rng.sample(sectors, rng.randint(0, 2)),
                    "boroughs": rng.sample(boroughs, rng.choice([0, 0, 1]))}
        if published and rng.random() < 0.25:  # an update of an earlier one, if nothing supersedes it yet
            old = rng.choice(published)
            if old.status == Bulletin.Status.PUBLISHED and not Bulletin.objects.filter(supersedes=old).exists():
                draft = services.create_draft(by=officer, supersedes=old, title=f"Update {n}", body="Changed.",
                                              kind=kind, starts_at=starts_at, ends_at=ends_at, **{
                                                  "everyone": audience["everyone"]},
                                              sectors=audience["sectors"], boroughs=audience["boroughs"])
                committed(services.publish_bulletin, draft, by=officer)
                published.append(draft)
                continue
        bulletin = BulletinFactory(title=f"Bulletin {n}", author=officer, kind=kind, starts_at=starts_at,
                                   ends_at=ends_at, everyone=audience["everyone"], sectors=audience["sectors"],
                                   boroughs=audience["boroughs"])
        if rng.random() < 0.2:
            bulletin.named_recipients.set(rng.sample(users, 2))
        committed(services.publish_bulletin, bulletin, by=officer)
        published.append(bulletin)
    for bulletin in published:
        bulletin.refresh_from_db()
        if bulletin.status == Bulletin.Status.PUBLISHED and rng.random() < 0.15:
            committed(services.withdraw_bulletin, bulletin, by=officer, reason="Off")
    # Someone suspended after the publishes: they keep their inbox's rows but may read no bulletins now.
    suspended = rng.choice(users)
    Membership.objects.filter(user=suspended).update(status=Membership.Status.SUSPENDED)
    return users


def calendar_page_events(client, user, query: str) -> set[str]:
    """Every event the calendar page lists (all pages), as absolute URLs."""
    found, page = set(), 1
    while True:
        response = client.get(reverse("calendar:index") + f"?{query}&page={page}")
        if response.status_code == 403:
            return found
        html = response.content.decode()
        found |= {SITE + url for url in re.findall(r'<a class="fw-semibold" href="([^"]+)"', html)}
        if "rel=\"next\"" not in html and f"page={page + 1}" not in html:
            return found
        page += 1


def inbox_page_bulletins(client) -> set[str]:
    found, page = set(), 1
    while True:
        response = client.get(reverse("bulletins:inbox") + f"?page={page}")
        if response.status_code == 403:
            return found
        html = response.content.decode()
        found |= {SITE + reverse("bulletins:detail", args=[pk]) for pk in re.findall(r'data-bulletin="(\d+)"', html)}
        if f"page={page + 1}" not in html:
            return found
        page += 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_users_feeds_match_their_calendar_and_inbox(client, officer, committed, seed):
    users = build_world(random.Random(seed), officer, committed)
    checked_events = checked_entries = 0
    for user in [*users, officer]:
        calendar = icalendar.Calendar.from_ical(client.get(events_url(user)).content)
        events = calendar.walk("VEVENT")
        confirmed = {str(event["URL"]) for event in events if str(event["STATUS"]) == "CONFIRMED"}
        uids = [str(event["UID"]) for event in events]
        assert len(uids) == len(set(uids)), "one VEVENT per supersedes chain"
        feed = ET.fromstring(client.get(bulletins_url(user)).content)
        entries = [entry.find(f"{ATOM}link").get("href") for entry in feed.findall(f"{ATOM}entry")]

        client.force_login(user)
        # Every event is within the feed's window (the last 30 days and after): the whole calendar is in the feed.
        on_calendar = calendar_page_events(client, user, "") | calendar_page_events(client, user, "past=1")
        assert confirmed == on_calendar, user
        # A cancelled event is one the user was sent and may still open.
        for event in events:
            assert client.get(str(event["URL"]).removeprefix(SITE)).status_code == 200
        if user != officer:  # an officer's inbox holds what was addressed to them; their feed, what they may read
            assert set(entries) == inbox_page_bulletins(client), user
        else:
            assert set(entries) == {SITE + b.get_absolute_url() for b in
                                    Bulletin.objects.published().order_by("-published_at", "-pk")[:50]}
        client.logout()
        checked_events += len(confirmed)
        checked_entries += len(entries)
    print(f"seed {seed}: {checked_events} events, {checked_entries} entries")
    assert checked_events > 5 and checked_entries > 10  # the world really had something in it
