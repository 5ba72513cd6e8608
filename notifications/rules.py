"""When the portal may write to a member, from their Preferences: the one place that knows the rules.

- Bulletins: critical ones, and those asking for an acknowledgement, are e-mailed at once; others below the
  member's threshold (``bulletin_min_severity``) are left for the daily digest.
- Quiet hours (Europe/London, may span midnight): non-critical e-mail waits until they end. Only critical
  bulletins go through them (a bulletin asking for an acknowledgement waits: it is not left for the digest,
  it is sent when the quiet hours end).
- Forum activity: e-mailed at once, listed in the digest, or never (``forum_email``).

Pure functions of the preferences and the time: the e-mail fan-out asks them for every delivery it claims, with
the preferences loaded in the query that claimed it (no query of their own).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from notifications.models import Preferences

LONDON = ZoneInfo("Europe/London")
SEVERITY_RANK = {"info": 0, "advisory": 1, "warning": 2, "critical": 3}
CRITICAL = "critical"
# The kinds of notification that are "forum activity" (the preference's subject). The moderators' decisions on a
# member's own thread or edit are e-mailed by the board itself (messaging/board/services.py), whatever the
# preferences: an answer to something the member did, not activity they follow.
FORUM_KINDS = ("reply", "mention", "watched_post", "new_thread")
DIGEST_HOUR = 7  # the daily digest's time, Europe/London


def preferences_of(user) -> Preferences:
    """The user's preferences: their row (loaded with select_related("preferences") when the caller did), or
    the defaults, unsaved, when they never chose."""
    try:
        return user.preferences
    except Preferences.DoesNotExist:
        return Preferences(user=user)


def _at(day: date, clock: time) -> datetime:
    """That wall-clock time in London on that day, as an aware datetime (a time the clocks skip in spring is
    read as after the change, one the clocks repeat in autumn as the first of the two)."""
    return datetime.combine(day, clock, tzinfo=LONDON)


def quiet_window(preferences: Preferences, now: datetime | None = None) -> tuple[datetime, datetime] | None:
    """The quiet hours ``now`` falls in, as (start, end), or None when it is not within quiet hours (or the
    member has none)."""
    if not preferences.has_quiet_hours:
        return None
    local = timezone.localtime(now or timezone.now(), LONDON)
    today, clock = local.date(), local.time()
    start, end = preferences.quiet_from, preferences.quiet_until
    if start < end:  # within one day, e.g. 13:00 to 14:00
        return (_at(today, start), _at(today, end)) if start <= clock < end else None
    # Across midnight, e.g. 22:00 to 07:00.
    if clock >= start:
        return _at(today, start), _at(today + timedelta(days=1), end)
    if clock < end:
        return _at(today - timedelta(days=1), start), _at(today, end)
    return None


def quiet_until(preferences: Preferences, now: datetime | None = None) -> datetime | None:
    """When the quiet hours ``now`` falls in end (None: not quiet now)."""
    window = quiet_window(preferences, now)
    return window[1] if window else None


def next_quiet_end(preferences: Preferences, after: datetime | None = None) -> datetime | None:
    """The first end of quiet hours strictly after ``after`` (None: no quiet hours): the next time London's
    clocks read ``quiet_until``."""
    if not preferences.has_quiet_hours:
        return None
    local = timezone.localtime(after or timezone.now(), LONDON)
    for days in (0, 1, 2):
        end = _at(local.date() + timedelta(days=days), preferences.quiet_until)
        if end > local:
            return end
    return None  # not reached: tomorrow's end is always later


def last_quiet_end(preferences: Preferences, now: datetime | None = None) -> tuple[datetime, datetime] | None:
    """The most recent quiet hours that have ended by ``now``, as (start, end); None when quiet now or none set."""
    if not preferences.has_quiet_hours or quiet_window(preferences, now) is not None:
        return None
    local = timezone.localtime(now or timezone.now(), LONDON)
    for days_back in (0, 1):
        end_day = local.date() - timedelta(days=days_back)
        end = _at(end_day, preferences.quiet_until)
        if end <= local:
            start_day = end_day if preferences.quiet_from < preferences.quiet_until else end_day - timedelta(days=1)
            return _at(start_day, preferences.quiet_from), end
    return None  # not reached: one of today's or yesterday's ends is in the past


@dataclass(frozen=True)
class Route:
    """What the fan-out does with one delivery: send it now, leave it for the digest, or hold it until ``until``."""

    action: str  # SEND, DIGEST or HOLD
    until: datetime | None = None


SEND, DIGEST, HOLD = "send", "digest", "hold"


def bulletin_route(bulletin, preferences: Preferences, now: datetime | None = None) -> Route:
    critical = bulletin.severity == CRITICAL
    if critical:
        return Route(SEND)
    below = SEVERITY_RANK.get(bulletin.severity, 0) < SEVERITY_RANK.get(preferences.bulletin_min_severity, 0)
    if below and not bulletin.ack_requested:
        return Route(DIGEST)
    end = quiet_until(preferences, now)
    return Route(HOLD, end) if end else Route(SEND)


def forum_email_now(preferences: Preferences) -> bool:
    return preferences.forum_email == Preferences.ForumEmail.IMMEDIATELY


def digest_day(now: datetime | None = None) -> tuple[date, datetime] | None:
    """The digest day under way at ``now`` (London) and its 07:00, or None before 07:00 (yesterday's digest is
    done with by then; today's is not due)."""
    local = timezone.localtime(now or timezone.now(), LONDON)
    due = _at(local.date(), time(DIGEST_HOUR))
    return (local.date(), due) if local >= due else None
