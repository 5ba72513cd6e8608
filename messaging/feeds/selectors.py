"""Reads for the calendar page and the private feeds. Who may see a bulletin is the audience rule's to say
(``messaging.bulletins.audience.visible_bulletins``, the inbox's rule); these narrow what it allows to the
pre-planned events, and order and window them. Every function is one query, whatever the number of rows.

An event is a published pre-planning notice with a start time (``Bulletin.starts_at``); ``ends_at`` is optional.
A "current" event is one that nothing has taken back: published or expired (its window is over), neither
superseded nor withdrawn."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from messaging.bulletins.audience import visible_bulletins
from messaging.bulletins.models import Bulletin
from messaging.bulletins.permissions import can_read_bulletins
from sectors.models import Borough, Sector

LONDON = ZoneInfo("Europe/London")
CURRENT = (Bulletin.Status.PUBLISHED, Bulletin.Status.EXPIRED)
# What a feed of events carries besides the upcoming ones: the recently ended, so that a calendar app that
# missed a refresh still shows the week's events.
FEED_PAST_DAYS = 30
ATOM_ENTRIES = 50
# The columns the calendar and the feeds read (not the body: up to 20 kB each).
EVENT_FIELDS = ("id", "kind", "title", "summary", "location", "starts_at", "ends_at", "status", "marking",
                "severity", "published_at", "updated_at", "withdrawn_at", "withdrawal_reason", "series",
                "series_position", "everyone")


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


def today_in_london(now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(LONDON).date()


def addressed_events(user) -> QuerySet[Bulletin]:
    """Every pre-planned event this user may read, current or not (officers: every published one). Empty for
    someone who may not read bulletins at all (no approved membership any more, deactivated)."""
    if not can_read_bulletins(user):
        return Bulletin.objects.none()
    return (visible_bulletins(user).published()
            .filter(kind=Bulletin.Kind.PRE_PLANNING, starts_at__isnull=False))


def events_for(user) -> QuerySet[Bulletin]:
    """The current events addressed to the user: the calendar's rows."""
    return addressed_events(user).filter(status__in=CURRENT).only(*EVENT_FIELDS)


def not_over(now: datetime) -> Q:
    """Events that have not ended: ending now or later; with no end, starting today (London) or later."""
    return Q(ends_at__gte=now) | Q(ends_at__isnull=True, starts_at__gte=start_of_day(today_in_london(now)))


def over(now: datetime) -> Q:
    """The complement of ``not_over``, written out (ends_at is nullable)."""
    return Q(ends_at__lt=now) | Q(ends_at__isnull=True, starts_at__lt=start_of_day(today_in_london(now)))


def upcoming(events: QuerySet[Bulletin], now: datetime) -> QuerySet[Bulletin]:
    return events.filter(not_over(now)).order_by("starts_at", "pk")


def archived(events: QuerySet[Bulletin], now: datetime) -> QuerySet[Bulletin]:
    """Past events, the most recent first."""
    return events.filter(over(now)).order_by("-starts_at", "-pk")


def overlapping(events: QuerySet[Bulletin], start: datetime, end: datetime) -> QuerySet[Bulletin]:
    """Events that take place (at least partly) in [start, end): the month view's."""
    return (events.filter(starts_at__lt=end)
            .filter(Q(ends_at__gt=start) | Q(ends_at__isnull=True, starts_at__gte=start))
            .order_by("starts_at", "pk"))


def for_sector(events: QuerySet[Bulletin], sector: Sector) -> QuerySet[Bulletin]:
    """Events whose audience takes in this sector: those for everyone, and those naming it."""
    names_it = Bulletin.sectors.through.objects.filter(bulletin=OuterRef("pk"), sector=sector)
    return events.filter(Q(everyone=True) | Exists(names_it))


def for_borough(events: QuerySet[Bulletin], borough: Borough) -> QuerySet[Bulletin]:
    """Events whose audience takes in this borough: those naming it, and those naming no borough (all of
    London), as the audience rule reads a bulletin's boroughs."""
    links = Bulletin.boroughs.through.objects.filter(bulletin=OuterRef("pk"))
    return events.filter(~Exists(links) | Exists(links.filter(borough=borough)))


# The iCalendar feed ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedEvent:
    """One VEVENT: the bulletin it shows, and whether it is cancelled (withdrawn, or superseded by an update
    that is no longer an event, or one the user may not read)."""

    bulletin: Bulletin
    cancelled: bool
    # When the bulletin's successor was published (a supersede does not touch the old row's updated_at).
    replaced_at: datetime | None = None


def feed_events(user, now: datetime | None = None) -> list[FeedEvent]:
    """The events of a user's iCalendar feed: upcoming and those of the last FEED_PAST_DAYS days, one per
    supersedes chain (the latest of the chain the user may read), cancelled ones included so that calendar apps
    take them out. One query.

    Which row stands for a chain: its current version if it is an event (CONFIRMED); a withdrawn event
    (CANCELLED); an event superseded by an update that is not an event any more (another kind, or no time) or
    that was not addressed to this user (CANCELLED: it is not in their calendar any more). An event superseded
    by an event is left out: its successor carries the chain's UID."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=FEED_PAST_DAYS)
    visible = visible_bulletins(user)
    continued = Exists(visible.filter(supersedes=OuterRef("pk"), kind=Bulletin.Kind.PRE_PLANNING,
                                      starts_at__isnull=False, published_at__isnull=False))
    replaced_at = Subquery(Bulletin.objects.filter(supersedes=OuterRef("pk")).values("published_at")[:1])
    shown = (Bulletin.Status.PUBLISHED, Bulletin.Status.EXPIRED, Bulletin.Status.WITHDRAWN,
             Bulletin.Status.SUPERSEDED)
    rows = (addressed_events(user).filter(status__in=shown)
            .filter(Q(ends_at__gte=cutoff) | Q(ends_at__isnull=True, starts_at__gte=cutoff))
            .filter(~Q(status=Bulletin.Status.SUPERSEDED) | ~continued)
            .annotate(replaced_at=replaced_at).only(*EVENT_FIELDS).order_by("starts_at", "pk"))
    latest: dict[int, Bulletin] = {}
    for bulletin in rows:
        kept = latest.get(bulletin.series_root)
        if kept is None or bulletin.series_position > kept.series_position:
            latest[bulletin.series_root] = bulletin
    return [
        FeedEvent(bulletin=bulletin, cancelled=bulletin.status not in CURRENT,
                  replaced_at=bulletin.replaced_at)
        for bulletin in sorted(latest.values(), key=lambda b: (b.starts_at, b.pk))
    ]


def atom_entries(user) -> QuerySet[Bulletin]:
    """The Atom feed's entries: the user's inbox (what the audience rule lets them read, published), newest
    first, ATOM_ENTRIES of them."""
    if not can_read_bulletins(user):
        return Bulletin.objects.none()
    return (visible_bulletins(user).published()
            .only("id", "title", "summary", "marking", "kind", "severity", "status", "published_at", "updated_at",
                  "withdrawn_at")
            .order_by("-published_at", "-pk")[:ATOM_ENTRIES])
