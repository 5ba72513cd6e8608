"""An event's times as people and calendar apps read them.

A bulletin has a start (``starts_at``) and an optional end (``ends_at``), both instants; the portal has no
"all day" box. The rules, in London time:

- **All-day event**: starts at 00:00 and either has no end or ends at 00:00 on a later day. ``ends_at`` is the
  exclusive end, as in iCalendar: a state funeral on 5 December is 5 Dec 00:00 to 6 Dec 00:00 (or 5 Dec 00:00
  with no end); 5 Dec 00:00 to 8 Dec 00:00 is three days, 5 to 7 December. In the ICS: DTSTART;VALUE=DATE and
  DTEND;VALUE=DATE (exclusive; left out for one day, which RFC 5545 3.6.1 reads as one day).
- **No end** (a start at any other time): the event starts then and we do not know when it ends. In the ICS:
  DTSTART with no DTEND and no DURATION, which RFC 5545 reads as an event at that instant (calendar apps show it
  at its start time); we do not invent a length. The calendar page says "from 14:00".
- Otherwise a timed event from its start to its end, possibly over several days.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from messaging.bulletins.models import Bulletin
from messaging.feeds.selectors import LONDON

MIDNIGHT = time(0)


@dataclass(frozen=True)
class EventTimes:
    start: datetime  # London time
    end: datetime | None  # London time; None: no end given
    all_day: bool

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        """The last day the event takes place on (an end at midnight belongs to the day before)."""
        if self.end is None or self.end <= self.start:
            return self.first_day
        if self.end.time() == MIDNIGHT:
            return max(self.first_day, self.end.date() - timedelta(days=1))
        return self.end.date()

    @property
    def several_days(self) -> bool:
        return self.last_day > self.first_day

    def days(self) -> list[date]:
        """Every day it takes place on (the month view lists it under each)."""
        return [self.first_day + timedelta(days=n) for n in range((self.last_day - self.first_day).days + 1)]


def event_times(bulletin: Bulletin) -> EventTimes:
    start = bulletin.starts_at.astimezone(LONDON)
    end = bulletin.ends_at.astimezone(LONDON) if bulletin.ends_at else None
    all_day = start.time() == MIDNIGHT and (end is None or (end.time() == MIDNIGHT and end.date() > start.date()))
    return EventTimes(start=start, end=end, all_day=all_day)
