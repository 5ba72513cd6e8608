"""Actions on bulletins and incidents that span several objects; each runs in one transaction."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks.backends.immediate import ImmediateBackend

from audit.services import record
from common.actions import ActionRefused
from messaging.bulletins.audience import Audience, recipients
from messaging.bulletins.models import Bulletin, Delivery, Feedback, Incident, LiveStream
from messaging.bulletins.selectors import delivery_for
from messaging.bulletins.tasks import send_bulletin_emails
from messaging.bulletins.transport import broadcast_bulletin
from sectors.models import Borough, Sector

DELIVERY_BATCH = 2000
ANOTHER_SUCCESSOR = "Another draft already supersedes that bulletin; edit that draft instead."


class BulletinError(ActionRefused):
    """An action that cannot be done in the bulletin's current state; the message says why."""


def _check_content(content: dict[str, Any]) -> None:
    unknown = set(content) - set(Bulletin.CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"Not a bulletin's content: {', '.join(sorted(unknown))}")


@transaction.atomic
def create_draft(*, by, sectors: Iterable[Sector], boroughs: Iterable[Borough], supersedes: Bulletin | None = None,
                 **content: Any) -> Bulletin:
    """A new draft by an officer; ``content`` is Bulletin.CONTENT_FIELDS (title and body at least). With
    ``supersedes``, the draft will replace that published bulletin when it is published; only one may."""
    _check_content(content)
    if supersedes is not None:
        # Under the old bulletin's row lock: of two officers drafting its update at once, the second is told.
        supersedes = Bulletin.objects.select_for_update().get(pk=supersedes.pk)
        if Bulletin.objects.filter(supersedes=supersedes).exists():
            raise BulletinError(ANOTHER_SUCCESSOR)
    bulletin = Bulletin(author=by, supersedes=supersedes, **content)
    try:
        with transaction.atomic():
            bulletin.save()
    except IntegrityError:  # the one-to-one on supersedes, where the lock above is not a real lock (SQLite)
        raise BulletinError(ANOTHER_SUCCESSOR) from None
    bulletin.sectors.set(sectors)
    bulletin.boroughs.set(boroughs)
    record(by, "bulletin.draft_create", bulletin, supersedes=supersedes.pk if supersedes else None)
    return bulletin


@transaction.atomic
def update_draft(bulletin: Bulletin, *, by, sectors: Iterable[Sector], boroughs: Iterable[Borough],
                 **content: Any) -> Bulletin:
    """Save an officer's changes to a draft (or scheduled) bulletin, keeping its status and schedule. Refused
    if it was published since the form was loaded."""
    _check_content(content)
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if not bulletin.is_editable:
        raise BulletinError("This bulletin was published meanwhile; your changes were not saved.")
    for field, value in content.items():
        setattr(bulletin, field, value)
    bulletin.save(update_fields=[*content, "updated_at"])
    bulletin.sectors.set(sectors)
    bulletin.boroughs.set(boroughs)
    record(by, "bulletin.draft_update", bulletin)
    return bulletin


@transaction.atomic
def publish_bulletin(bulletin: Bulletin, *, by, only_if_due: datetime | None = None) -> int:
    """Publish now: one Delivery per recipient (bulk, unique), audit entry; after commit the e-mail fan-out
    is queued and the live push sent. Returns the number of recipients. With only_if_due (the scheduler),
    publish only if, under the row lock, the bulletin is still scheduled for no later than that time."""
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if bulletin.is_published:
        raise BulletinError("This bulletin has already been published.")
    still_due = (bulletin.status == Bulletin.Status.SCHEDULED and bulletin.scheduled_for is not None
                 and bulletin.scheduled_for <= (only_if_due or bulletin.scheduled_for))
    if only_if_due is not None and not still_due:
        raise BulletinError("This bulletin is no longer due.")
    now = timezone.now()
    recipient_ids = list(recipients(Audience.of(bulletin)).values_list("pk", flat=True))
    deliveries = (Delivery(bulletin=bulletin, user_id=user_id, created_at=now) for user_id in recipient_ids)
    Delivery.objects.bulk_create(deliveries, batch_size=DELIVERY_BATCH, ignore_conflicts=True)
    bulletin.status = Bulletin.Status.PUBLISHED
    bulletin.published_at = now
    bulletin.recipient_count = len(recipient_ids)
    bulletin.save(update_fields=["status", "published_at", "recipient_count", "updated_at"])
    if bulletin.supersedes_id:
        Bulletin.objects.filter(pk=bulletin.supersedes_id).update(status=Bulletin.Status.SUPERSEDED)
        record(by, "bulletin.supersede", bulletin.supersedes, superseded_by=bulletin.pk)
    record(by, "bulletin.publish", bulletin, recipients=len(recipient_ids))
    _enqueue_with_this_transaction(send_bulletin_emails, bulletin.pk)
    # Last, so that the stream's lock is held for as short a time as possible.
    bulletin.sequence = _next_sequence()
    bulletin.save(update_fields=["sequence"])
    transaction.on_commit(lambda: broadcast_bulletin(bulletin.pk))
    return len(recipient_ids)


def _next_sequence() -> int:
    """The bulletin's number in the live stream. The row lock is held until this transaction commits, so a
    second publish waits here for the first one's commit: numbers follow commit order, and whoever can read
    number n can read every number below it (stream.py relies on it to tell a missing bulletin from a
    bulletin not yet committed)."""
    stream, _ = LiveStream.objects.select_for_update().get_or_create(pk=1)  # made by a migration; tests flush it
    stream.last_sequence += 1
    stream.save(update_fields=["last_sequence"])
    return stream.last_sequence


def _enqueue_with_this_transaction(task, *args) -> None:
    """A database queue takes the task in this transaction: committed with the publish or not at all, so that
    no crash after the commit can leave a bulletin without its e-mail fan-out. A backend that runs tasks at
    once (the embedded default) would run it before the commit: there it waits for the commit."""
    if isinstance(task.get_backend(), ImmediateBackend):
        transaction.on_commit(lambda: task.enqueue(*args))
    else:
        task.enqueue(*args)


@transaction.atomic
def schedule_bulletin(bulletin: Bulletin, *, when: datetime, by) -> Bulletin:
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if bulletin.is_published:
        raise BulletinError("This bulletin has already been published.")
    if when <= timezone.now():
        raise BulletinError("Choose a time in the future.")
    bulletin.status = Bulletin.Status.SCHEDULED
    bulletin.scheduled_for = when
    bulletin.save(update_fields=["status", "scheduled_for", "updated_at"])
    record(by, "bulletin.schedule", bulletin, scheduled_for=when.isoformat())
    return bulletin


def publish_due(now: datetime | None = None) -> list[int]:
    """Publish every scheduled bulletin whose time has come. Safe to run every minute, and twice at once:
    each bulletin is locked and re-checked inside publish_bulletin."""
    published = []
    for bulletin in Bulletin.objects.due(now).order_by("scheduled_for", "pk"):
        try:
            publish_bulletin(bulletin, by=None, only_if_due=now or timezone.now())
        except BulletinError:
            continue
        published.append(bulletin.pk)
    return published


def resume_unsent_emails(older_than: timedelta = timedelta(minutes=5)) -> list[int]:
    """Enqueue the e-mail fan-out again for bulletins published a while ago with recipients not yet e-mailed:
    the recovery for a worker that died mid-run (its task stays "running" for ever). Safe to repeat: workers
    lock each delivery, so two tasks for one bulletin share the work and never send a message twice."""
    cutoff = timezone.now() - older_than
    # A fan-out that has not finished in a day will not (its messages keep failing): leave it to the report.
    bulletin_ids = list(
        Delivery.objects.filter(emailed_at__isnull=True, bulletin__published_at__lte=cutoff,
                                bulletin__published_at__gte=timezone.now() - timedelta(days=1))
        .values_list("bulletin_id", flat=True).distinct().order_by("bulletin_id")
    )
    for bulletin_id in bulletin_ids:
        send_bulletin_emails.enqueue(bulletin_id)
    return bulletin_ids


@transaction.atomic
def expire_ended(*, now: datetime | None = None) -> int:
    """Mark expired the published bulletins whose event window has ended; returns how many. They stay in their
    readers' inboxes as before: expiry only says the event is over. Safe to run every minute, and twice at
    once: the rows are locked, so a second run finds them expired already and records nothing."""
    now = now or timezone.now()
    ended = list(Bulletin.objects.ended(now).select_for_update().order_by("pk"))
    Bulletin.objects.filter(pk__in=[bulletin.pk for bulletin in ended]).update(
        status=Bulletin.Status.EXPIRED, updated_at=now
    )
    for bulletin in ended:
        record(None, "bulletin.expire", bulletin, ends_at=bulletin.ends_at.isoformat())
    return len(ended)


def mark_read(bulletin: Bulletin, *, user) -> Delivery | None:
    """The user opened the bulletin: record the first read. Returns their delivery as it now is (None if it was
    not published to them, as for officers)."""
    delivery = delivery_for(user, bulletin)
    if delivery is not None and delivery.read_at is None:
        delivery.read_at = timezone.now()
        # Only if still unread: two tabs opening it at once keep the first time.
        Delivery.objects.filter(pk=delivery.pk, read_at__isnull=True).update(read_at=delivery.read_at)
    return delivery


def acknowledge(bulletin: Bulletin, *, user) -> bool:
    """Record the acknowledgement (and the read). Idempotent: True only the first time."""
    now = timezone.now()
    Delivery.objects.filter(bulletin=bulletin, user=user, read_at__isnull=True).update(read_at=now)
    return bool(
        Delivery.objects.filter(bulletin=bulletin, user=user, acknowledged_at__isnull=True).update(
            acknowledged_at=now
        )
    )


def leave_feedback(bulletin: Bulletin, *, user, body: str) -> Feedback:
    """A member's reply to the police liaison team; only officers see it."""
    return Feedback.objects.create(bulletin=bulletin, author=user, body=body)


@transaction.atomic
def open_incident(*, title: str, sectors: Iterable[Sector], boroughs: Iterable[Borough], by) -> Incident:
    incident = Incident.objects.create(title=title, opened_by=by)
    incident.sectors.set(sectors)
    incident.boroughs.set(boroughs)
    record(by, "incident.open", incident)
    return incident


@transaction.atomic
def post_incident_update(incident: Incident, *, title: str, body: str, severity: str, by,
                         marking: str = Bulletin.Marking.OFFICIAL) -> Bulletin:
    """A short incident-update bulletin to the incident's audience, published at once."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)  # one resolve wins
    if not incident.is_active:
        raise BulletinError("This incident is resolved; open a new one.")
    audience = Audience.of_incident(incident)
    update = Bulletin.objects.create(
        kind=Bulletin.Kind.INCIDENT_UPDATE, severity=severity, title=title, body=body, author=by,
        incident=incident, marking=marking, everyone=audience.everyone,
    )
    update.sectors.set(audience.sector_ids)
    update.boroughs.set(audience.borough_ids)
    publish_bulletin(update, by=by)
    return update


@transaction.atomic
def resolve_incident(incident: Incident, *, body: str, by) -> Bulletin:
    """Post the final update and mark the incident resolved."""
    final = post_incident_update(incident, title=f"Resolved: {incident.title}", body=body,
                                 severity=Bulletin.Severity.INFO, by=by)
    incident.status = Incident.Status.RESOLVED
    incident.resolved_at = timezone.now()
    incident.save(update_fields=["status", "resolved_at"])
    record(by, "incident.resolve", incident)
    return final
