"""A user's iCalendar feed of pre-planned events (RFC 5545, written with the ``icalendar`` package).

- One VEVENT per supersedes chain (``selectors.feed_events``). UID ``bulletin-series-<first bulletin's id>@<host>``
  stays the same across updates, so a calendar app moves the event instead of adding a second one; SEQUENCE is
  the bulletin's place in its chain (``Bulletin.series_position``: 0, 1, 2...), one more when it is cancelled
  (a cancellation is a revision too, and apps ignore a change whose SEQUENCE does not grow).
- STATUS:CONFIRMED, or STATUS:CANCELLED for a withdrawn event and one superseded away (see feed_events).
- Times in Europe/London (DTSTART;TZID=Europe/London, with its VTIMEZONE); all-day events and events with no end
  as ``messaging.feeds.times`` says.
- DTSTAMP and LAST-MODIFIED: when the bulletin last changed (its update, withdrawal or successor's publication).
- OFFICIAL-SENSITIVE: SUMMARY is SENSITIVE_PLACEHOLDER and the event carries no DESCRIPTION or LOCATION: its
  times and URL only. Nothing of its content leaves the portal.
"""

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, Timezone

from messaging.bulletins.models import SENSITIVE_PLACEHOLDER, Bulletin
from messaging.feeds.selectors import FeedEvent
from messaging.feeds.text import printable
from messaging.feeds.times import event_times

PRODID = "-//The Hub//Pre-planned events//EN"
CALENDAR_NAME = "The Hub: pre-planned events"
TZID = "Europe/London"
# How often a calendar app should fetch the feed again (RFC 7986, and the older Microsoft name for it).
REFRESH = timedelta(hours=1)


def site_url(path: str) -> str:
    return settings.SITE_URL + path


def uid_for(bulletin: Bulletin) -> str:
    return f"bulletin-series-{bulletin.series_root}@{urlsplit(settings.SITE_URL).hostname or 'hub'}"


@lru_cache(maxsize=16)
def _vtimezone(first_year: int, last_year: int) -> bytes:
    """Europe/London's rules for these years (the transitions the events need: a few hundred bytes, where the
    package's default 1970-2038 span is several kilobytes)."""
    return Timezone.from_tzid(TZID, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1)).to_ical()


def vtimezone(events: list[FeedEvent], now: datetime) -> Timezone:
    days = [now.date()] + [event_times(item.bulletin).last_day for item in events] + [
        event_times(item.bulletin).first_day for item in events]
    return Timezone.from_ical(_vtimezone(min(days).year, max(days).year + 1))


def changed_at(item: FeedEvent) -> datetime:
    bulletin = item.bulletin
    moments = [bulletin.updated_at, bulletin.published_at, bulletin.withdrawn_at, item.replaced_at]
    return max(moment for moment in moments if moment is not None)


def vevent(item: FeedEvent) -> Event:
    bulletin = item.bulletin
    event = Event()
    event.add("uid", uid_for(bulletin))
    event.add("sequence", bulletin.series_position + (1 if item.cancelled else 0))
    stamp = changed_at(item).astimezone(UTC)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    times = event_times(bulletin)
    if times.all_day:
        event.add("dtstart", times.first_day)
        if times.several_days:
            event.add("dtend", times.last_day + timedelta(days=1))
    else:
        event.add("dtstart", times.start)
        if times.end is not None and times.end > times.start:
            event.add("dtend", times.end)
    url = site_url(bulletin.get_absolute_url())
    if bulletin.is_sensitive:
        event.add("summary", SENSITIVE_PLACEHOLDER)
        event.add("class", "CONFIDENTIAL")
    else:
        event.add("summary", printable(bulletin.title))
        event.add("description", description(item, url))
        if bulletin.location:
            event.add("location", printable(bulletin.location))
    event.add("url", url)
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT")  # an event to know about, not time the reader is busy
    return event


def description(item: FeedEvent, url: str) -> str:
    bulletin = item.bulletin
    lines = [bulletin.summary]
    if bulletin.status == Bulletin.Status.WITHDRAWN:
        lines.insert(0, f"Withdrawn: {bulletin.withdrawal_reason}".strip())
    elif item.cancelled:
        lines.insert(0, "Replaced by an update that no longer describes this event, or not addressed to you.")
    lines.append(f"Read it on the Hub: {url}")
    return printable("\n\n".join(line for line in lines if line))


def calendar_for(events: list[FeedEvent], *, now: datetime | None = None) -> bytes:
    """The feed's bytes (UTF-8, CRLF lines folded at 75 octets)."""
    now = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    calendar.add("name", CALENDAR_NAME)
    calendar.add("x-wr-timezone", TZID)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    calendar.add_component(vtimezone(events, now))
    for item in events:
        calendar.add_component(vevent(item))
    return calendar.to_ical()
