"""The bridge call e-mails, through the Tasks API (as messaging/bulletins/tasks.py): invitations, updates,
cancellations, reminders, a delegate's invitation. Each carries the call's iCalendar (``ics``) as a
``text/calendar; method=...`` part and, for the invitee and their deputy, the one-click RSVP links.

The services enqueue these inside their transaction (a database queue commits the task with the change or not at
all) or, for the immediate backend, after the commit. Every message has a Message-ID fixed by the call, the kind,
the calendar's SEQUENCE and the recipient: a message sent again after an interruption can be recognised."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from common.text import email_subject
from messaging.bridge import ics, links
from messaging.bridge.models import BridgeCall, Invitation
from messaging.bridge.selectors import invitations_of
from messaging.bulletins.tasks import message_domain

logger = logging.getLogger(__name__)

INVITATION, UPDATE, CANCELLATION, REMOVED, REMINDER, DELEGATION = (
    "invitation", "update", "cancellation", "removed", "reminder", "delegation")
KINDS = (INVITATION, UPDATE, CANCELLATION, REMOVED, REMINDER, DELEGATION)


@dataclass(frozen=True)
class Recipient:
    user: object
    invitation: Invitation | None
    role: str  # "invitee", "deputy", "delegate" or "removed"

    @property
    def may_answer(self) -> bool:
        return self.role in ("invitee", "deputy")


def subject_text(call: BridgeCall, kind: str, *, moved: bool = False) -> str:
    when = timezone.localtime(call.starts_at).strftime("%a %-d %b %Y %H:%M")
    return {
        INVITATION: f"Bridge call invitation: {call.title}, {when}",
        UPDATE: f"Bridge call {'moved' if moved else 'updated'}: {call.title}, {'now ' if moved else ''}{when}",
        CANCELLATION: f"Bridge call cancelled: {call.title}, {when}",
        REMOVED: f"You are no longer invited: {call.title}, {when}",
        REMINDER: f"Starting in {settings.BRIDGE_REMINDER_MINUTES} minutes: {call.title}",
        DELEGATION: f"You are joining a bridge call in someone's place: {call.title}, {when}",
    }[kind]


def _recipients(call: BridgeCall, invitations: list[Invitation], kind: str, user_ids: list[int]) -> list[Recipient]:
    """Who is written to, each once (a person who is an invitee and another's deputy gets their own invitation's
    message only)."""
    chosen: list[Recipient] = []
    if kind == REMOVED:
        users = get_user_model().objects.filter(pk__in=user_ids).order_by("pk")
        return [Recipient(user, None, "removed") for user in users]
    wanted = set(user_ids)
    for invitation in invitations:
        if kind == DELEGATION:
            if invitation.pk in wanted and invitation.delegate_id:
                chosen.append(Recipient(invitation.delegate, invitation, "delegate"))
            continue
        if kind == INVITATION and invitation.pk not in wanted:
            continue
        if kind == REMINDER:
            if invitation.response == Invitation.Response.ACCEPTED:
                chosen.append(Recipient(invitation.user, invitation, "invitee"))
                if invitation.deputy_id and invitation.responded_by_id == invitation.deputy_id:
                    chosen.append(Recipient(invitation.deputy, invitation, "deputy"))  # the deputy said they'd come
            elif invitation.response == Invitation.Response.DELEGATED and invitation.delegate_id:
                chosen.append(Recipient(invitation.delegate, invitation, "delegate"))
            continue
        chosen.append(Recipient(invitation.user, invitation, "invitee"))
        if invitation.deputy_id:
            chosen.append(Recipient(invitation.deputy, invitation, "deputy"))
        if kind in (UPDATE, CANCELLATION) and invitation.delegate_id \
                and invitation.response == Invitation.Response.DELEGATED:
            chosen.append(Recipient(invitation.delegate, invitation, "delegate"))
    seen: set[int] = set()
    once = []
    for recipient in chosen:
        if recipient.user.pk not in seen and recipient.user.is_active:
            seen.add(recipient.user.pk)
            once.append(recipient)
    return once


def message_id(call: BridgeCall, kind: str, recipient: Recipient) -> str:
    return (f"<bridge-{call.pk}.{kind}.{call.ics_sequence}.{recipient.user.pk}"
            f"{'.' + str(recipient.invitation.pk) if recipient.invitation else ''}@{message_domain()}>")


def render_email(call: BridgeCall, kind: str, recipient: Recipient, invitations: list[Invitation], *,
                 moved: bool = False) -> EmailMultiAlternatives:
    """One person's message: plain text, an HTML alternative, and the calendar."""
    method = ics.CANCEL if kind in (CANCELLATION, REMOVED) or call.is_cancelled else ics.REQUEST
    admitted = kind not in (REMOVED, CANCELLATION) and not call.is_cancelled
    invitation = recipient.invitation
    rsvp = None
    if recipient.may_answer and admitted and kind != REMINDER:
        rsvp = {choice: links.rsvp_url(call, invitation.pk, recipient.user.pk, choice) for choice in links.CHOICES}
    context = {
        "call": call, "kind": kind, "moved": moved, "user": recipient.user, "role": recipient.role,
        "invitation": invitation, "admitted": admitted, "rsvp": rsvp,
        "starts": timezone.localtime(call.starts_at), "ends": timezone.localtime(call.ends_at),
        "dial_in_lines": call.dial_in.splitlines(), "url": settings.SITE_URL + call.get_absolute_url(),
        "reminder_minutes": settings.BRIDGE_REMINDER_MINUTES,
    }
    message = EmailMultiAlternatives(
        subject=email_subject(subject_text(call, kind, moved=moved)),
        body=render_to_string("bridge/email/call.txt", context),
        to=[recipient.user.email],
        headers={"Message-ID": message_id(call, kind, recipient)},
    )
    message.attach_alternative(render_to_string("bridge/email/call.html", context), "text/html")
    if kind != REMINDER:
        attendees = [recipient.user] if kind == REMOVED else None
        calendar = ics.build(call, invitations, method=method, admitted=admitted, attendees=attendees)
        message.attach(ics.filename(call), calendar, f"text/calendar; method={method}; charset=UTF-8")
    return message


@task()
def send_call_emails(call_id: int, kind: str, ids: list[int] | None = None, moved: bool = False) -> int:
    """E-mail one kind of message about a call. ``ids``: the invitations to write to (an invitation, a
    delegation), or the people taken off the call (removed); every invitation otherwise. Returns how many were
    sent; a failed address is logged and the rest go on."""
    if kind not in KINDS:
        raise ValueError(f"Not a bridge call e-mail: {kind}")
    call = BridgeCall.objects.select_related("chair").get(pk=call_id)
    if call.is_cancelled and kind not in (CANCELLATION, REMOVED):
        return 0  # cancelled before this went out: the cancellation says all there is to say
    invitations = list(invitations_of(call))
    sent = 0
    mail = get_connection()
    for recipient in _recipients(call, invitations, kind, list(ids or [])):
        try:
            mail.send_messages([render_email(call, kind, recipient, invitations, moved=moved)])
        except Exception:  # noqa: BLE001 - one bad address must not stop the rest
            logger.exception("Bridge call %s: the %s e-mail to user %s failed", call_id, kind, recipient.user.pk)
            continue
        sent += 1
    return sent
