"""What the chair keeps during and after a call: the roll call, decisions and actions, and the published summary.

Each action runs in one transaction under the call's row lock (so that an outcome cannot slip in after the summary
that should have listed it was built), is audited, and after its commit tells the open pages that show it.
Once a call's summary is published its minutes are closed: the roll call and the outcomes stay as they were sent.
"""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from audit.services import record
from common.actions import ActionRefused
from common.text import clean_text
from messaging.bridge.models import BridgeCall, Invitation, Outcome
from messaging.bridge.permissions import can_chair
from messaging.bulletins import services as bulletin_services
from messaging.bulletins import transport
from messaging.bulletins.audience import Audience
from messaging.bulletins.models import Bulletin
from sectors.models import Organisation, Sector

LONDON = ZoneInfo("Europe/London")
# The chair may start ticking people as they dial in a little before the start.
ROLL_CALL_OPENS_BEFORE = timedelta(minutes=30)
SUMMARY_TITLE_PREFIX = "Bridge call summary: "


class Audiences:
    """Whom a summary goes to: the audience of what the call is about (its incident, or its pre-planning notice),
    or only the people the call invited (with their deputies and delegates)."""

    INCIDENT = "incident"
    INVITEES = "invitees"
    ALL = (INCIDENT, INVITEES)


class MinutesError(ActionRefused):
    """The roll call, an outcome or the summary cannot be changed or published as asked; the message says why."""


def _locked_call(call: BridgeCall) -> BridgeCall:
    return BridgeCall.objects.select_for_update().get(pk=call.pk)


def _require_chair(call: BridgeCall, by) -> None:
    if not can_chair(by, call):
        raise MinutesError("Only the call's chair and co-chairs keep its roll call and minutes.")


def _require_open_minutes(call: BridgeCall) -> None:
    if call.is_cancelled:
        raise MinutesError("This call was cancelled: it has no roll call or minutes.")
    if call.summary_bulletin_id is not None:
        raise MinutesError("The summary of this call has been published: its roll call and minutes are closed.")


def _announce_roll_call(call_pk: int) -> None:
    """Officers' open roll-call pages of this call fetch their parts again (co-chairs see each other's ticks)."""
    transaction.on_commit(lambda: transport.announce(
        Audience.chosen(everyone=False), {"type": "news", "toast": False, "refresh": [f"roll-call-{call_pk}"]}))


def london(moment: datetime) -> datetime:
    return moment.astimezone(LONDON)


def london_text(moment: datetime) -> str:
    """A time as people in London read it: "Tue 3 Mar 2026, 14:00"."""
    local = london(moment)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"


# The roll call --------------------------------------------------------------------------------------------------


@transaction.atomic
def mark_attended(invitation: Invitation, attended: bool, *, by) -> Invitation:
    """Tick (or untick) an invitee as present on the call: the invitee, or whoever came in their place."""
    call = _locked_call(invitation.call)
    _require_chair(call, by)
    _require_open_minutes(call)
    if timezone.now() < call.starts_at - ROLL_CALL_OPENS_BEFORE:
        raise MinutesError("The roll call opens 30 minutes before the call starts.")
    invitation = Invitation.objects.select_related("user").get(pk=invitation.pk, call=call)
    if invitation.attended == attended:
        return invitation  # a second tick from a co-chair's page: nothing changed, nothing to record
    invitation.attended = attended
    invitation.attendance_marked_at = timezone.now()
    invitation.attendance_marked_by = by
    invitation.save(update_fields=["attended", "attendance_marked_at", "attendance_marked_by"])
    record(by, "bridge.attendance", invitation, call=call.pk, attended=attended)
    _announce_roll_call(call.pk)
    return invitation


def attendance_counts(call: BridgeCall) -> dict[str, int]:
    """Invited, and how many accepted, declined, sent a delegate, have not answered, and attended: one query."""
    return call.invitations.aggregate(
        invited=Count("pk"),
        accepted=Count("pk", filter=Q(response=Invitation.Response.ACCEPTED)),
        declined=Count("pk", filter=Q(response=Invitation.Response.DECLINED)),
        delegated=Count("pk", filter=Q(response=Invitation.Response.DELEGATED)),
        pending=Count("pk", filter=Q(response=Invitation.Response.PENDING)),
        attended=Count("pk", filter=Q(attended=True)),
    )


# Decisions and actions ----------------------------------------------------------------------------------------


@transaction.atomic
def record_outcome(call: BridgeCall, *, kind: str, text: str, by, owner_sector: Sector | None = None,
                   owner_organisation: Organisation | None = None, due_at: datetime | None = None) -> Outcome:
    """A decision taken or an action given on the call. An action may name its owner (a sector or an organisation,
    not both) and a due time; a decision may name an owner but has no due time. A due time may be past by the time
    the minutes are written up (an action due during the call), but not before the call started: that is a typo."""
    call = _locked_call(call)
    _require_chair(call, by)
    _require_open_minutes(call)
    if kind not in Outcome.Kind.values:
        raise MinutesError("Choose whether it is a decision or an action.")
    text = clean_text(text)
    if not text:
        raise MinutesError("Say what was decided or who is to do what.")
    if owner_sector is not None and owner_organisation is not None:
        raise MinutesError("Name one owner: a sector or an organisation, not both.")
    if due_at is not None and kind != Outcome.Kind.ACTION:
        raise MinutesError("Only an action has a due time.")
    if due_at is not None and due_at < call.starts_at:
        raise MinutesError("The due time is before the call started: check the date.")
    outcome = Outcome.objects.create(call=call, kind=kind, text=text, owner_sector=owner_sector,
                                     owner_organisation=owner_organisation, due_at=due_at, recorded_by=by)
    record(by, "bridge.outcome_record", outcome, call=call.pk, kind=kind)
    _announce_roll_call(call.pk)
    return outcome


@transaction.atomic
def delete_outcome(outcome: Outcome, *, by) -> None:
    """Take back a decision or action recorded by mistake (the audit entry keeps its text)."""
    call = _locked_call(outcome.call)
    _require_chair(call, by)
    _require_open_minutes(call)
    outcome = Outcome.objects.filter(pk=outcome.pk, call=call).first()
    if outcome is None:
        raise MinutesError("That decision or action had already been deleted.")
    record(by, "bridge.outcome_delete", outcome, call=call.pk, kind=outcome.kind, text=outcome.text)
    outcome.delete()
    _announce_roll_call(call.pk)


# The summary ------------------------------------------------------------------------------------------------


# What could start formatting, a link or an HTML tag mid-line (the names never start a line of the body).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


def _plain(text: str) -> str:
    """A name (a sector's, an organisation's, a call's title) in Markdown as itself: no formatting from it."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _item(number: int, outcome: Outcome) -> str:
    """One numbered entry: the chair's Markdown (its further lines indented into the entry), then its owner and
    due time on a line of their own."""
    lines = outcome.text.splitlines() or [""]
    entry = [f"{number}. {lines[0]}", *(f"    {line}" if line.strip() else "" for line in lines[1:])]
    details = []
    if outcome.owner is not None:
        details.append(f"Owner: {_plain(outcome.owner)}")
    if outcome.due_at is not None:
        details.append(f"due {_plain(london_text(outcome.due_at))}")
    if details:
        entry.append(f"    *{' · '.join(details)}*")
    return "\n".join(entry)


def summary_outcomes(call: BridgeCall) -> list[Outcome]:
    return list(call.outcomes.select_related("owner_sector", "owner_organisation").order_by("recorded_at", "pk"))


def summary_body(call: BridgeCall, outcomes: list[Outcome] | None = None, counts: dict[str, int] | None = None
                 ) -> str:
    """The summary's Markdown: when the call was held and by whom, who attended, the decisions, the actions."""
    outcomes = summary_outcomes(call) if outcomes is None else outcomes
    counts = attendance_counts(call) if counts is None else counts
    chair = getattr(call.chair, "display_name", "") or str(call.chair)
    parts = [
        f"The bridge call “{_plain(call.title)}” was held on {_plain(london_text(call.starts_at))} (London time), "
        f"chaired by {_plain(chair)}.",
        f"Attended: **{counts['attended']}** of {counts['invited']} invited.",
    ]
    for kind, heading in ((Outcome.Kind.DECISION, "Decisions"), (Outcome.Kind.ACTION, "Actions")):
        items = [outcome for outcome in outcomes if outcome.kind == kind]
        if items:
            parts.append(f"## {heading}\n\n" + "\n".join(_item(n, item) for n, item in enumerate(items, 1)))
    return "\n\n".join(parts) + "\n"


def summary_title(call: BridgeCall) -> str:
    return (SUMMARY_TITLE_PREFIX + " ".join(call.title.split()))[:200]


def incident_audience_label(call: BridgeCall) -> str | None:
    """What "the call's audience" is for this call, in words; None when the call is about nothing published."""
    if call.incident_id:
        return "everyone the incident's updates reach"
    if call.bulletin_id:
        return "everyone the pre-planning notice reached"
    return None


def _invitee_ids(call: BridgeCall) -> set[int]:
    rows = call.invitations.values_list("user_id", "deputy_id", "delegate_id")
    return {person for row in rows for person in row if person is not None}


def summary_audience(call: BridgeCall, audience: str) -> tuple[Audience, dict]:
    """The audience the summary would have, and the bulletin fields that say it (everyone, sectors, boroughs,
    named people)."""
    if audience == Audiences.INVITEES:
        people = _invitee_ids(call)
        return (Audience.chosen(everyone=False, people=people),
                {"everyone": False, "sectors": [], "boroughs": [], "people": people})
    if audience != Audiences.INCIDENT:
        raise MinutesError("Choose whom the summary goes to.")
    if call.incident_id:
        chosen = Audience.of_incident(call.incident)
    elif call.bulletin_id:
        chosen = Audience.of(call.bulletin)
    else:
        raise MinutesError("This call is not about an incident or a notice: send the summary to its invitees.")
    return chosen, {"everyone": chosen.everyone, "sectors": chosen.sector_ids, "boroughs": chosen.borough_ids,
                    "people": chosen.user_ids}


@transaction.atomic
def publish_summary(call: BridgeCall, *, by, audience: str, ack_requested: bool = False,
                    severity: str = Bulletin.Severity.INFO, marking: str = Bulletin.Marking.OFFICIAL) -> Bulletin:
    """Publish the call's decisions and actions as one bulletin: an incident update on the incident's timeline (for
    a call on an incident), else advice; to the audience of what the call is about or to its invitees only.
    Through the bulletins' own publish service: deliveries, e-mail, the live push and acknowledgements come with
    it. One summary per call, once the call has started and something is recorded."""
    call = (BridgeCall.objects.select_for_update(of=("self",)).select_related("chair", "incident", "bulletin")
            .get(pk=call.pk))
    _require_chair(call, by)
    if call.is_cancelled:
        raise MinutesError("This call was cancelled: there is no summary to publish.")
    if call.summary_bulletin_id is not None:
        raise MinutesError("The summary of this call has already been published.")
    if timezone.now() < call.starts_at:
        raise MinutesError("The call has not started yet: publish its summary once it has been held.")
    if severity not in Bulletin.Severity.values or marking not in Bulletin.Marking.values:
        raise MinutesError("Choose the summary's severity and marking from the lists.")
    outcomes = summary_outcomes(call)
    if not outcomes:
        raise MinutesError("Nothing is recorded yet: record the call's decisions and actions first.")
    _, fields = summary_audience(call, audience)
    summary = bulletin_services.create_draft(
        by=by, sectors=fields["sectors"], boroughs=fields["boroughs"], everyone=fields["everyone"],
        kind=Bulletin.Kind.INCIDENT_UPDATE if call.incident_id else Bulletin.Kind.ADVICE,
        severity=severity, marking=marking, ack_requested=ack_requested, title=summary_title(call),
        body=summary_body(call, outcomes),
    )
    if call.incident_id:
        summary.incident = call.incident
        summary.save(update_fields=["incident"])
    if fields["people"]:
        summary.named_recipients.set(fields["people"])
    reached = bulletin_services.publish_bulletin(summary, by=by)
    call.summary_bulletin = summary
    call.save(update_fields=["summary_bulletin", "updated_at"])
    record(by, "bridge.summary_publish", call, bulletin=summary.pk, audience=audience, recipients=reached,
           ack_requested=ack_requested)
    _announce_roll_call(call.pk)  # the chair's pages close their forms
    if call.incident_id:
        # The incident room's calls list shows the summary's link. The summary itself reaches open timelines by
        # its own live push (refreshing the timeline as well would race that insert and show it twice).
        incident_audience = Audience.of_incident(call.incident)
        refresh = [f"incident-{call.incident_id}-calls", f"call-{call.pk}"]
        transaction.on_commit(lambda: transport.announce(
            incident_audience, {"type": "news", "toast": False, "refresh": refresh}))
    return summary
