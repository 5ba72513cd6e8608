"""A feed of 2,000 bulletins renders with as many queries as a feed of ten."""

from datetime import timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from messaging.bulletins.models import Bulletin, Delivery
from tests.feeds.conftest import bulletins_url, events_url

pytestmark = pytest.mark.django_db
MAX_QUERIES = 10


def make_events(count: int, *, author, reader, sector) -> None:
    """``count`` published events addressed to ``reader``, made in bulk (the publish service would take minutes);
    every fifth a supersede of the one before, every seventh withdrawn, some all-day, some with no end."""
    now = timezone.now()
    bulletins = [
        Bulletin(title=f"Event {n}, part {n % 3}; day {n % 7}", body="A march.", summary="A march.",
                 kind=Bulletin.Kind.PRE_PLANNING, status=Bulletin.Status.PUBLISHED, author=author,
                 published_at=now - timedelta(minutes=count - n), location=f"Square {n}",
                 starts_at=now + timedelta(hours=n), ends_at=None if n % 4 == 0 else now + timedelta(hours=n + 2),
                 marking=Bulletin.Marking.OFFICIAL_SENSITIVE if n % 11 == 0 else Bulletin.Marking.OFFICIAL)
        for n in range(count)
    ]
    Bulletin.objects.bulk_create(bulletins)
    for n, bulletin in enumerate(bulletins):
        if n % 5 == 1:
            previous = bulletins[n - 1]
            previous.status = Bulletin.Status.SUPERSEDED
            bulletin.supersedes, bulletin.series, bulletin.series_position = previous, previous.pk, 1
        elif n % 7 == 0:
            bulletin.status, bulletin.withdrawn_at, bulletin.withdrawal_reason = (
                Bulletin.Status.WITHDRAWN, now, "Called off")
    Bulletin.objects.bulk_update(bulletins, ["status", "supersedes", "series", "series_position", "withdrawn_at",
                                             "withdrawal_reason"], batch_size=500)
    Bulletin.sectors.through.objects.bulk_create(
        [Bulletin.sectors.through(bulletin_id=bulletin.pk, sector_id=sector.pk) for bulletin in bulletins])
    Delivery.objects.bulk_create([Delivery(bulletin=bulletin, user=reader, created_at=bulletin.published_at)
                                  for bulletin in bulletins])


@pytest.mark.parametrize("count", [10, 2000])
def test_the_feeds_render_with_constant_queries(client, people, sector_a, count, django_assert_max_num_queries):
    make_events(count, author=people.officer, reader=people.member_a, sector=sector_a)
    urls = events_url(people.member_a), bulletins_url(people.member_a)

    with django_assert_max_num_queries(MAX_QUERIES):
        ics = client.get(urls[0])
    with django_assert_max_num_queries(MAX_QUERIES):
        atom = client.get(urls[1])
    with django_assert_max_num_queries(MAX_QUERIES):
        officer_ics = client.get(events_url(people.officer))

    superseded = count // 5 if count > 1 else 0
    assert len(icalendar.Calendar.from_ical(ics.content).walk("VEVENT")) == count - superseded
    assert len(icalendar.Calendar.from_ical(officer_ics.content).walk("VEVENT")) == count - superseded
    assert atom.content.count(b"<entry>") == min(count, 50)


def test_the_calendar_page_has_constant_queries_with_2000_events(client, people, sector_a,
                                                                 django_assert_max_num_queries):
    make_events(2000, author=people.officer, reader=people.member_a, sector=sector_a)
    client.force_login(people.member_a)
    for query in ("", "?page=50", "?past=1", f"?sector={sector_a.slug}&borough=camden", "?view=month"):
        with django_assert_max_num_queries(25):
            assert client.get(reverse("calendar:index") + query).status_code == 200
