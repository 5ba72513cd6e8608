"""Following up the organisations that have not answered a check-in: the one reminder e-mail (sent by the
scheduler), and the sector leads' phone calls ("called, no answer", or an answer recorded on the organisation's
behalf after the call, audited as the lead's).

This cascade is how the partnership reaches the small firms that do not read e-mail during an incident."""

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from audit.services import record
from common.actions import ActionRefused
from common.tasks import enqueue_with_this_transaction
from messaging.checkins.models import Answer, ChaseAttempt, CheckIn, Choice
from messaging.checkins.selectors import asking_deliveries
from sectors.models import Borough, Membership, Organisation

logger = logging.getLogger(__name__)

CLOSED = "This check-in has closed: answers can no longer be recorded or chased."


class ChaseRefused(ActionRefused):
    """A chase action the check-in's state does not allow (closed; already answered)."""


def _chased_sector(check_in: CheckIn, organisation: Organisation, sector_ids: Iterable[int]):
    """The sector of the lead's through which the organisation was asked (its first by name): the attempt's."""
    asked_through = asking_deliveries(check_in).filter(organisation=organisation).values("user_id")
    membership = (Membership.objects.approved()
                  .filter(user__in=asked_through, sector__in=list(sector_ids))
                  .select_related("sector").order_by("sector__name").first())
    return membership.sector if membership else None


@transaction.atomic
def record_chase_attempt(check_in: CheckIn, organisation: Organisation, *, by, sector_ids: Iterable[int],
                         note: str = "") -> ChaseAttempt:
    """A lead called an organisation that has not answered, and nobody answered the phone."""
    check_in = CheckIn.objects.select_for_update().get(pk=check_in.pk)  # one close wins
    if not check_in.is_open:
        raise ChaseRefused(CLOSED)
    if Answer.objects.filter(check_in=check_in, organisation=organisation).exists():
        raise ChaseRefused(f"{organisation} has answered meanwhile: there is no need to call them.")
    sector = _chased_sector(check_in, organisation, sector_ids)
    if sector is None:
        raise ChaseRefused(f"{organisation} was not asked through a sector you lead.")
    attempt = ChaseAttempt.objects.create(check_in=check_in, organisation=organisation, sector=sector, by=by,
                                          note=note.strip()[:300])
    record(by, "checkin.chase_called", check_in, organisation=organisation.pk, sector=sector.pk)
    return attempt


def answer_on_behalf(check_in: CheckIn, organisation: Organisation, *, choice: Choice, note: str,
                     borough: Borough | None, by) -> Answer:
    """A lead records the answer an organisation gave on the phone: the organisation's current answer like any
    other, recorded by (and audited as) the lead, marked as a lead's (``by_lead``). Refused once the check-in
    has closed, and when the organisation has answered meanwhile (the answering service decides both, under the
    check-in's lock and the answer's unique constraint)."""
    from messaging.checkins import services  # helper D's: opening, answering, closing

    if not check_in.is_open:
        raise ChaseRefused(CLOSED)
    # The service writes the answer, its history row and the audit entry (actor: the lead; by_lead: true).
    return services.answer(check_in, organisation, choice, note, borough, by, by_lead=True,
                           first_only=True).answer


# Reminders ------------------------------------------------------------------------------------------------------


def send_due_reminders(now: datetime | None = None) -> list[int]:
    """Queue the one reminder of every open check-in whose reminder time has come; returns their ids.

    Each is claimed with one conditional UPDATE (``reminder_sent_at`` still empty) and its e-mail task queued in
    the same transaction: with two schedulers running at once, PostgreSQL makes the second UPDATE wait for the
    first to commit and then find nothing to set, so one of them only queues it, once."""
    from messaging.checkins.tasks import send_reminder_emails

    now = now or timezone.now()
    due = list(CheckIn.objects.open().filter(remind_at__lte=now, reminder_sent_at__isnull=True,
                                             carrier__isnull=False).values_list("pk", flat=True))
    claimed = []
    for pk in due:
        with transaction.atomic():
            if not CheckIn.objects.open().filter(pk=pk, reminder_sent_at__isnull=True).update(reminder_sent_at=now):
                continue  # another scheduler claimed it first (or it closed meanwhile)
            record(None, "checkin.remind", CheckIn.objects.get(pk=pk))
            enqueue_with_this_transaction(send_reminder_emails, pk)
            claimed.append(pk)
    return claimed
