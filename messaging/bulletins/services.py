"""Actions on bulletins and incidents that span several objects; each runs in one transaction."""

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from audit.services import record
from common.actions import ActionRefused
from messaging.bulletins.models import Bulletin, Delivery, Feedback, Incident
from sectors.models import Borough, Membership, Organisation, Sector

DELIVERY_BATCH = 2000


class BulletinError(ActionRefused):
    """An action that cannot be done in the bulletin's current state; the message says why."""


def resolve_audience(*, everyone: bool, sectors: Iterable[Sector], boroughs: Iterable[Borough]) -> QuerySet:
    """The recipients: approved members of the chosen sectors (every sector when ``everyone``), narrowed to
    people whose organisation has premises in one of the chosen boroughs when any borough is chosen."""
    memberships = Membership.objects.approved().filter(user__is_active=True)
    if not everyone:
        memberships = memberships.filter(sector__in=list(sectors))
    users = User.objects.filter(pk__in=memberships.values("user_id"))
    borough_list = list(boroughs)
    if borough_list:
        users = users.filter(organisation__boroughs__in=borough_list)
    return users.distinct()


def bulletin_audience(bulletin: Bulletin) -> QuerySet:
    return resolve_audience(everyone=bulletin.everyone, sectors=bulletin.sectors.all(),
                            boroughs=bulletin.boroughs.all())


def audience_preview(*, everyone: bool, sectors: Iterable[Sector], boroughs: Iterable[Borough]) -> dict[str, int]:
    """How many members and organisations a bulletin with this audience would reach."""
    users = resolve_audience(everyone=everyone, sectors=sectors, boroughs=boroughs)
    return {
        "members": users.count(),
        "organisations": Organisation.objects.filter(people__in=users).distinct().count(),
    }


@transaction.atomic
def publish_bulletin(bulletin: Bulletin, *, by, only_if_due=None) -> int:
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
    recipient_ids = list(bulletin_audience(bulletin).values_list("pk", flat=True))
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
    transaction.on_commit(lambda: _after_publish(bulletin.pk))
    return len(recipient_ids)


def _after_publish(bulletin_id: int) -> None:
    from messaging.bulletins.live import broadcast_bulletin
    from messaging.bulletins.tasks import send_bulletin_emails

    send_bulletin_emails.enqueue(bulletin_id)
    broadcast_bulletin(bulletin_id)


@transaction.atomic
def schedule_bulletin(bulletin: Bulletin, *, when, by) -> None:
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if bulletin.is_published:
        raise BulletinError("This bulletin has already been published.")
    if when <= timezone.now():
        raise BulletinError("Choose a time in the future.")
    bulletin.status = Bulletin.Status.SCHEDULED
    bulletin.scheduled_for = when
    bulletin.save(update_fields=["status", "scheduled_for", "updated_at"])
    record(by, "bulletin.schedule", bulletin, scheduled_for=when.isoformat())


def publish_due(now=None) -> list[int]:
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
    from messaging.bulletins.tasks import send_bulletin_emails

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


def mark_read(bulletin: Bulletin, user) -> None:
    Delivery.objects.filter(bulletin=bulletin, user=user, read_at__isnull=True).update(read_at=timezone.now())


def acknowledge(bulletin: Bulletin, user) -> bool:
    """Record the acknowledgement (and the read). Idempotent: True only the first time."""
    now = timezone.now()
    Delivery.objects.filter(bulletin=bulletin, user=user, read_at__isnull=True).update(read_at=now)
    return bool(
        Delivery.objects.filter(bulletin=bulletin, user=user, acknowledged_at__isnull=True).update(
            acknowledged_at=now
        )
    )


def leave_feedback(bulletin: Bulletin, user, body: str) -> Feedback:
    return Feedback.objects.create(bulletin=bulletin, author=user, body=body)


@transaction.atomic
def open_incident(*, title: str, sectors, boroughs, by) -> Incident:
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
    update = Bulletin.objects.create(
        kind=Bulletin.Kind.INCIDENT_UPDATE, severity=severity, title=title, body=body, author=by,
        incident=incident, marking=marking,
    )
    sectors = list(incident.sectors.all())
    update.sectors.set(sectors)
    update.boroughs.set(incident.boroughs.all())
    if not sectors:
        update.everyone = True
        update.save(update_fields=["everyone"])
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
