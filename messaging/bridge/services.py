"""Actions on bridge calls: schedule, update, cancel, answer an invitation, remind, announce the start. Each runs
in one transaction and is audited; e-mails are queued with the transaction, live news sent after the commit."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import record
from common.actions import ActionRefused
from common.tasks import enqueue_with_this_transaction
from messaging.bridge import selectors, tasks
from messaging.bridge.forms import capacity_message
from messaging.bridge.models import BridgeCall, Invitation
from messaging.bulletins import transport
from messaging.bulletins.audience import Audience

# What an officer sets on a call (besides its audience and co-chairs); the ones invitees see change its SEQUENCE.
CALL_FIELDS = ("title", "starts_at", "duration_minutes", "dial_in", "access_pin", "join_url", "chair", "agenda",
               "capacity", "incident", "bulletin")
DETAILS_INVITEES_SEE = ("title", "starts_at", "duration_minutes", "dial_in", "access_pin", "join_url", "chair",
                        "agenda")


class BridgeCallError(ActionRefused):
    """An action the call's state (or the rules) does not allow; the message says why."""


# Live news ------------------------------------------------------------------------------------------------------


def _when(call: BridgeCall) -> str:
    return timezone.localtime(call.starts_at).strftime("%a %-d %b %Y, %H:%M")


def _news(call: BridgeCall, subheading: str, *, toast: bool, severity: str = "info", summary: str = "",
          refresh: Iterable[str] = ()) -> dict[str, Any]:
    """A live payload about a call: its title, time and page only (never how to join)."""
    return {"type": "news", "toast": toast, "heading": "Bridge call", "subheading": subheading, "title": call.title,
            "url": call.get_absolute_url(), "summary": summary or _when(call), "severity": severity,
            "refresh": [*refresh, f"call-{call.pk}"]}


def _listing_audience(call: BridgeCall) -> tuple[Audience, list[str]]:
    """Who may see that the call exists (the incident's or the notice's audience; officers alone otherwise) and
    which parts of their pages list it."""
    if call.incident_id:
        return Audience.of_incident(call.incident), [f"incident-{call.incident_id}-calls", "bridge-calls"]
    if call.bulletin_id:
        return Audience.of(call.bulletin), ["bridge-calls"]
    return Audience.chosen(everyone=False), ["bridge-calls"]


def _after_commit_tell(call: BridgeCall, subheading: str, people: Iterable[int], *, severity: str = "info",
                       summary: str = "") -> None:
    """After the commit: a toast to each of ``people``, and a quiet refresh of the pages that list the call."""
    people = sorted(set(people))
    audience, parts = _listing_audience(call)
    personal = _news(call, subheading, toast=True, severity=severity, summary=summary)
    listing = _news(call, subheading, toast=False, severity=severity, summary=summary, refresh=parts)

    def send() -> None:
        for user_id in people:
            transport.send_to_user(user_id, personal)
        transport.announce(audience, listing)

    transaction.on_commit(send)


def _admitted_ids(invitations: Iterable[Invitation]) -> set[int]:
    ids: set[int] = set()
    for invitation in invitations:
        ids.update(pk for pk in (invitation.user_id, invitation.deputy_id, invitation.delegate_id) if pk)
    return ids


def _queue_emails(call: BridgeCall, kind: str, ids: Iterable[int] = (), *, moved: bool = False) -> None:
    enqueue_with_this_transaction(tasks.send_call_emails, call.pk, kind, sorted(ids), moved)


# Scheduling -----------------------------------------------------------------------------------------------------


def _check_start(starts_at: datetime) -> None:
    if starts_at <= timezone.now():
        raise BridgeCallError("The start is in the past: choose a time in the future (London time).")


def _invite(call: BridgeCall, invitees: list[selectors.Invitee]) -> list[Invitation]:
    now = timezone.now()
    return Invitation.objects.bulk_create([
        Invitation(call=call, user=invitee.user, sector_id=invitee.sector_id, deputy=invitee.deputy, invited_at=now)
        for invitee in invitees
    ])


def _plan(call: BridgeCall, sectors, boroughs, named) -> list[selectors.Invitee]:
    invitees = selectors.plan_invitees([sector.pk for sector in sectors], [borough.pk for borough in boroughs],
                                       list(named))
    if len(invitees) > call.capacity:
        raise BridgeCallError(capacity_message(len(invitees), call.capacity))
    if not invitees:
        raise BridgeCallError("Nobody would be invited: the chosen sectors have no bridge representatives (in those "
                              "boroughs). Choose other sectors, or name members to invite.")
    return invitees


@transaction.atomic
def schedule_call(*, by, sectors: Iterable = (), boroughs: Iterable = (), named: Iterable = (),
                  co_chairs: Iterable = (), **fields: Any) -> BridgeCall:
    """Schedule a call and invite its people: the chosen sectors' bridge representatives (narrowed to the
    boroughs), with their deputies, and the named members; one invitation a person, no more than the capacity.
    After the commit, each invitee and deputy gets a toast, the pages listing the call refresh, and the invitation
    e-mails (with the calendar) go out."""
    fields = {name: value for name, value in fields.items() if name in CALL_FIELDS}
    _check_start(fields["starts_at"])
    sectors, boroughs = list(sectors), list(boroughs)
    call = BridgeCall(created_by=by, **fields)
    invitees = _plan(call, sectors, boroughs, named)
    call.save()
    call.sectors.set(sectors)
    call.boroughs.set(boroughs)
    call.co_chairs.set(co_chairs)
    invitations = _invite(call, invitees)
    record(by, "bridge_call.schedule", call, starts_at=call.starts_at.isoformat(), invitees=len(invitations),
           sectors=[sector.pk for sector in sectors], boroughs=[borough.pk for borough in boroughs])
    _queue_emails(call, tasks.INVITATION, [invitation.pk for invitation in invitations])
    _after_commit_tell(call, "Invitation", _admitted_ids(invitations))
    return call


@transaction.atomic
def update_call(call: BridgeCall, *, by, sectors: Iterable = (), boroughs: Iterable = (), named: Iterable = (),
                co_chairs: Iterable = (), **fields: Any) -> BridgeCall:
    """Save an officer's changes. A change invitees see (time, length, numbers, PIN, link, chair, title, agenda)
    raises the calendar's SEQUENCE and sends everyone still invited the update ("moved" when the time changed);
    people a changed audience adds get an invitation, people it removes a cancellation."""
    call = BridgeCall.objects.select_for_update().get(pk=call.pk)
    if call.is_cancelled:
        raise BridgeCallError("This call has been cancelled: it can no longer be changed.")
    if call.has_ended():
        raise BridgeCallError("This call has ended: it can no longer be changed.")
    fields = {name: value for name, value in fields.items() if name in CALL_FIELDS}
    if "starts_at" in fields and fields["starts_at"] != call.starts_at:
        _check_start(fields["starts_at"])
    changed = [name for name, value in fields.items() if getattr(call, name) != value]
    moved = "starts_at" in changed or "duration_minutes" in changed
    for name in changed:
        setattr(call, name, fields[name])
    sectors, boroughs = list(sectors), list(boroughs)
    invitees = _plan(call, sectors, boroughs, named)
    seen_changed = [name for name in changed if name in DETAILS_INVITEES_SEE]
    if seen_changed:
        call.ics_sequence += 1
    call.save()
    call.sectors.set(sectors)
    call.boroughs.set(boroughs)
    call.co_chairs.set(co_chairs)

    current = {invitation.user_id: invitation for invitation in call.invitations.all()}
    wanted = {invitee.user.pk: invitee for invitee in invitees}
    removed = [invitation for user_id, invitation in current.items() if user_id not in wanted]
    added = _invite(call, [invitee for user_id, invitee in wanted.items() if user_id not in current])
    for user_id, invitation in current.items():  # a deputy changed since: the new one is copied from now on
        if user_id in wanted and (deputy := wanted[user_id].deputy) is not None and invitation.deputy_id != deputy.pk:
            Invitation.objects.filter(pk=invitation.pk).update(deputy=deputy)
    removed_people = _admitted_ids(removed)
    Invitation.objects.filter(pk__in=[invitation.pk for invitation in removed]).delete()

    record(by, "bridge_call.update", call, changed=changed, sequence=call.ics_sequence,
           invited=[invitation.user_id for invitation in added], removed=sorted(removed_people))
    if seen_changed:
        _queue_emails(call, tasks.UPDATE, moved=moved)
    if added:
        _queue_emails(call, tasks.INVITATION, [invitation.pk for invitation in added])
    if removed_people:
        _queue_emails(call, tasks.REMOVED, removed_people)
    staying = Invitation.objects.filter(call=call).exclude(pk__in=[invitation.pk for invitation in added])
    if seen_changed:
        _after_commit_tell(call, "Moved" if moved else "Updated", _admitted_ids(staying),
                           severity="warning" if moved else "info")
    if added:
        _after_commit_tell(call, "Invitation", _admitted_ids(added))
    if removed_people:
        _after_commit_tell(call, "No longer invited", removed_people, summary="You are no longer invited.")
    if not (seen_changed or added or removed_people):
        _after_commit_tell(call, "Updated", ())
    return call


@transaction.atomic
def cancel_call(call: BridgeCall, *, by, reason: str) -> BridgeCall:
    """Cancel with a reason: it stays listed, as cancelled; everyone it invited gets the calendar's CANCEL and a
    toast."""
    call = BridgeCall.objects.select_for_update().get(pk=call.pk)
    if call.is_cancelled:
        raise BridgeCallError("This call has already been cancelled.")
    if call.has_ended():
        raise BridgeCallError("This call has ended: there is nothing to cancel.")
    call.status = BridgeCall.Status.CANCELLED
    call.cancelled_at, call.cancelled_by, call.cancellation_reason = timezone.now(), by, reason
    call.ics_sequence += 1
    call.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancellation_reason", "ics_sequence",
                             "updated_at"])
    record(by, "bridge_call.cancel", call, reason=reason)
    _queue_emails(call, tasks.CANCELLATION)
    _after_commit_tell(call, "Cancelled", _admitted_ids(call.invitations.all()), severity="warning")
    return call


# Answers --------------------------------------------------------------------------------------------------------


@transaction.atomic
def respond(invitation: Invitation, *, by, response: str, delegate=None) -> bool:
    """The invitee (or their deputy) accepts, declines, or sends a delegate: an approved member of the invitee's
    own organisation. Returns False when that was already the answer (a second click changes nothing)."""
    invitation = Invitation.objects.select_for_update().select_related("call", "user").get(pk=invitation.pk)
    call = invitation.call
    if by is None or by.pk not in (invitation.user_id, invitation.deputy_id):
        raise BridgeCallError("Only the invitee, or their deputy, may answer this invitation.")
    if call.is_cancelled:
        raise BridgeCallError("This call has been cancelled: there is nothing to answer.")
    if call.has_ended():
        raise BridgeCallError("This call has ended: it is too late to answer.")
    if response not in (Invitation.Response.ACCEPTED, Invitation.Response.DECLINED, Invitation.Response.DELEGATED):
        raise BridgeCallError("Choose accept, decline or send a delegate.")
    if response == Invitation.Response.DELEGATED:
        _check_delegate(invitation, delegate)
    else:
        delegate = None
    if invitation.response == response and invitation.delegate_id == (delegate.pk if delegate else None):
        return False
    previous_delegate = invitation.delegate_id
    invitation.response, invitation.delegate = response, delegate
    invitation.responded_at, invitation.responded_by = timezone.now(), by
    invitation.save(update_fields=["response", "delegate", "responded_at", "responded_by"])
    record(by, "bridge_call.respond", call, invitation=invitation.pk, response=response,
           delegate=delegate.pk if delegate else None, on_behalf_of=invitation.user_id)
    if delegate is not None and delegate.pk != previous_delegate:
        _queue_emails(call, tasks.DELEGATION, [invitation.pk])
    # The chairs' roll call and the call's page count answers: refresh them (officers only: nobody else's news).
    parts = [f"roll-call-{call.pk}", f"call-{call.pk}"]
    news = {"type": "news", "toast": False, "heading": "Bridge call", "subheading": "Answer", "title": call.title,
            "url": call.get_absolute_url(), "severity": "info", "refresh": parts}
    transaction.on_commit(lambda: transport.announce(Audience.chosen(everyone=False), news))
    if delegate is not None and delegate.pk != previous_delegate:
        transaction.on_commit(lambda: transport.send_to_user(delegate.pk, _news(
            call, "Invitation", toast=True, summary=f"{_when(call)}: in place of {invitation.user.display_name}")))
    return True


def _check_delegate(invitation: Invitation, delegate) -> None:
    if delegate is None:
        raise BridgeCallError("Choose who will join in your place.")
    organisation_id = invitation.user.organisation_id
    if organisation_id is None or delegate.organisation_id != organisation_id:
        raise BridgeCallError(f"{delegate.display_name} is not of your organisation: a delegate must be an approved "
                              "member of the same organisation as the invitee.")
    if delegate.pk == invitation.user_id:
        raise BridgeCallError("You cannot delegate to yourself: choose Accept instead.")
    if not selectors.organisation_members(organisation_id).filter(pk=delegate.pk).exists():
        raise BridgeCallError(f"{delegate.display_name} is not an approved member of the Hub: choose someone who is.")


# The scheduler ---------------------------------------------------------------------------------------------------


def send_due_reminders(now: datetime | None = None) -> list[int]:
    """Queue the one reminder of each call starting within BRIDGE_REMINDER_MINUTES. A call is claimed with one
    conditional UPDATE (only if no reminder was sent yet), and its e-mail task is queued in the same transaction:
    two schedulers running at once send each reminder once. Returns the calls reminded."""
    now = now or timezone.now()
    soon = now + timedelta(minutes=settings.BRIDGE_REMINDER_MINUTES)
    due = BridgeCall.objects.filter(status=BridgeCall.Status.SCHEDULED, reminder_sent_at__isnull=True,
                                    starts_at__gt=now, starts_at__lte=soon).order_by("starts_at", "pk")
    reminded = []
    for call_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            claimed = BridgeCall.objects.filter(pk=call_id, status=BridgeCall.Status.SCHEDULED,
                                                reminder_sent_at__isnull=True).update(reminder_sent_at=now)
            if not claimed:
                continue  # another scheduler took it
            call = BridgeCall.objects.get(pk=call_id)
            record(None, "bridge_call.remind", call)
            _queue_emails(call, tasks.REMINDER)
        reminded.append(call_id)
    return reminded


def announce_starting(now: datetime | None = None) -> list[int]:
    """When a call's start comes, once (claimed like the reminder): "Starting now" to the people it admits and its
    chairs, and a refresh of the pages that list it. Returns the calls announced."""
    now = now or timezone.now()
    due = BridgeCall.objects.filter(status=BridgeCall.Status.SCHEDULED, start_announced_at__isnull=True,
                                    starts_at__lte=now, ends_at__gt=now).order_by("starts_at", "pk")
    announced = []
    for call_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            claimed = BridgeCall.objects.filter(pk=call_id, status=BridgeCall.Status.SCHEDULED,
                                                start_announced_at__isnull=True).update(start_announced_at=now)
            if not claimed:
                continue
            call = BridgeCall.objects.select_related("incident", "bulletin").get(pk=call_id)
            people = _admitted_ids(call.invitations.all())
            people.add(call.chair_id)
            people.update(call.co_chairs.values_list("pk", flat=True))
            _after_commit_tell(call, "Starting now", people, severity="warning", summary="The call is starting.")
        announced.append(call_id)
    return announced

