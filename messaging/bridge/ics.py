"""A call as an iCalendar invitation (RFC 5545 with iTIP's METHOD, RFC 5546), with the ``icalendar`` package.

One UID for the call's whole life (``<call.uid>@<domain>``) and SEQUENCE = ``call.ics_sequence``, so that a
calendar that holds the invitation replaces it with an update and removes it on a cancellation. The dial-in
numbers, PIN and join link go only into a calendar for someone the call admits (``admitted``), never into the
cancellation sent to someone taken off the call.
"""

import functools
import zoneinfo
from collections.abc import Iterable
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from common.text import plain_summary
from messaging.bridge.models import BridgeCall, Invitation
from messaging.bulletins.tasks import message_domain

PRODID = "-//The Hub//Bridge calls//EN"
LONDON = "Europe/London"
REQUEST, CANCEL = "REQUEST", "CANCEL"
PARTSTAT = {
    Invitation.Response.PENDING: "NEEDS-ACTION",
    Invitation.Response.ACCEPTED: "ACCEPTED",
    Invitation.Response.DECLINED: "DECLINED",
    Invitation.Response.DELEGATED: "DELEGATED",
}


def calendar_text(text: str) -> str:
    """Plain text for a calendar: some calendar programs (Google's among them) read HTML in a DESCRIPTION, so
    angle brackets, which plain text never needs, are given as look-alikes that no program takes for markup."""
    return text.replace("<", "\u2039").replace(">", "\u203a")


def uid_of(call: BridgeCall) -> str:
    return f"{call.uid}@{message_domain()}"


@functools.lru_cache(maxsize=8)
def _london(year: int) -> Timezone:
    """Europe/London's VTIMEZONE around one year (its rules for a few years either side, not since 1970: a short
    component that every calendar still reads right). Cached: working the transitions out takes a moment."""
    return Timezone.from_tzinfo(zoneinfo.ZoneInfo(LONDON), tzid=LONDON, first_date=date(year - 1, 1, 1),
                                last_date=date(year + 2, 1, 1))


def _address(user) -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    address.params["CN"] = vText(user.display_name or user.email)
    return address


def _attendee(user, partstat: str, **params: str) -> vCalAddress:
    address = _address(user)
    address.params.update({"ROLE": "REQ-PARTICIPANT", "PARTSTAT": partstat, "RSVP": "TRUE", **params})
    return address


def description(call: BridgeCall, *, admitted: bool) -> str:
    """The plain-text DESCRIPTION: the agenda as plain text, then (for someone the call admits) how to join."""
    parts = []
    if call.is_cancelled:
        parts.append("This call is cancelled." + (f" Reason: {call.cancellation_reason}"
                                                  if call.cancellation_reason else ""))
    if call.agenda:
        parts.append("Agenda: " + plain_summary(call.agenda, length=4000))
    if admitted and not call.is_cancelled:
        numbers = "\n".join(call.dial_in.splitlines())
        parts.append(f"Dial in: {numbers}\nPIN: {call.access_pin}")
        if call.join_url:
            parts.append(f"Join link: {call.join_url}")
    parts.append(f"The call on the Hub: {settings.SITE_URL}{call.get_absolute_url()}")
    return calendar_text("\n\n".join(parts))


def build(call: BridgeCall, invitations: Iterable[Invitation], *, method: str = REQUEST, admitted: bool = True,
          attendees: Iterable | None = None, now: datetime | None = None) -> bytes:
    """The calendar of one call: ``invitations`` give one ATTENDEE each (with their answer, and the delegate
    they sent); ``attendees`` (users) replace them, for a cancellation sent to people no longer invited."""
    cancelled = method == CANCEL or call.is_cancelled
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", CANCEL if cancelled else method)
    calendar.add("calscale", "GREGORIAN")
    london = zoneinfo.ZoneInfo(LONDON)
    starts, ends = timezone.localtime(call.starts_at, london), timezone.localtime(call.ends_at, london)
    calendar.add_component(_london(starts.year))

    event = Event()
    event.add("uid", uid_of(call))
    event.add("sequence", call.ics_sequence)
    event.add("dtstamp", now or timezone.now())
    event.add("dtstart", starts)
    event.add("dtend", ends)
    event.add("summary", calendar_text(("Cancelled: " if cancelled else "") + f"Bridge call: {call.title}"))
    event.add("description", description(call, admitted=admitted and not cancelled))
    first_number = next((line for line in call.dial_in.splitlines() if line.strip()), "")
    event.add("location", first_number if admitted and first_number and not cancelled else "Bridge call")
    event.add("url", f"{settings.SITE_URL}{call.get_absolute_url()}")
    event.add("organizer", _address(call.chair))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if attendees is not None:
        for person in attendees:
            event.add("attendee", _attendee(person, "NEEDS-ACTION"), encode=False)
    else:
        for invitation in invitations:
            params = {}
            if invitation.response == Invitation.Response.DELEGATED and invitation.delegate_id:
                params["DELEGATED-TO"] = f"mailto:{invitation.delegate.email}"
            event.add("attendee", _attendee(invitation.user, PARTSTAT[invitation.response], **params), encode=False)
            if params:
                event.add("attendee", _attendee(invitation.delegate, "ACCEPTED",
                                                **{"DELEGATED-FROM": f"mailto:{invitation.user.email}"}),
                          encode=False)
    calendar.add_component(event)
    return calendar.to_ical()


def filename(call: BridgeCall) -> str:
    return f"bridge-call-{call.pk}.ics"
