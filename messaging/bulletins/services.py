"""Actions on bulletins and incidents that span several objects; each runs in one transaction."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from audit.services import record
from common.actions import ActionRefused
from common.tasks import enqueue_with_this_transaction
from common.text import email_subject
from messaging.board.models import Thread
from messaging.bulletins import transport
from messaging.bulletins.audience import Audience, recipients
from messaging.bulletins.models import (
    Bulletin,
    Delivery,
    Feedback,
    Incident,
    IncidentThreadLink,
    LiveStream,
    NoticeTemplate,
)
from messaging.bulletins.selectors import delivery_for
from messaging.bulletins.tasks import send_bulletin_emails
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
                 notice_template: NoticeTemplate | None = None, **content: Any) -> Bulletin:
    """A new draft by an officer; ``content`` is Bulletin.CONTENT_FIELDS (title and body at least). With
    ``supersedes``, the draft will replace that published bulletin when it is published; only one may. With
    ``notice_template``, the template it was started from: its placeholders must be filled before publishing."""
    _check_content(content)
    if supersedes is not None:
        # Under the old bulletin's row lock: of two officers drafting its update at once, the second is told.
        supersedes = Bulletin.objects.select_for_update().get(pk=supersedes.pk)
        if Bulletin.objects.filter(supersedes=supersedes).exists():
            raise BulletinError(ANOTHER_SUCCESSOR)
    # An update continues its predecessor's chain (one calendar event across updates: messaging/feeds).
    chain = ({"series": supersedes.series_root, "series_position": supersedes.series_position + 1}
             if supersedes is not None else {})
    bulletin = Bulletin(author=by, supersedes=supersedes, notice_template=notice_template, **chain, **content)
    try:
        with transaction.atomic():
            bulletin.save()
    except IntegrityError:  # the one-to-one on supersedes, where the lock above is not a real lock (SQLite)
        raise BulletinError(ANOTHER_SUCCESSOR) from None
    bulletin.sectors.set(sectors)
    bulletin.boroughs.set(boroughs)
    started_from = {"notice_template": notice_template.pk} if notice_template else {}
    record(by, "bulletin.draft_create", bulletin, supersedes=supersedes.pk if supersedes else None, **started_from)
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
    if unfilled := bulletin.unfilled_placeholders():
        raise BulletinError("Not published: fill in " + ", ".join(f"{{{name}}}" for name in unfilled)
                            + " first (edit the bulletin and replace each placeholder with the real details).")
    now = timezone.now()
    recipient_rows = list(recipients(Audience.of(bulletin)).values_list("pk", "organisation_id"))
    recipient_ids = [user_id for user_id, _ in recipient_rows]
    deliveries = (Delivery(bulletin=bulletin, user_id=user_id, organisation_id=organisation_id, created_at=now)
                  for user_id, organisation_id in recipient_rows)
    Delivery.objects.bulk_create(deliveries, batch_size=DELIVERY_BATCH, ignore_conflicts=True)
    bulletin.status = Bulletin.Status.PUBLISHED
    bulletin.published_at = now
    bulletin.recipient_count = len(recipient_ids)
    bulletin.save(update_fields=["status", "published_at", "recipient_count", "updated_at"])
    if bulletin.supersedes_id:
        Bulletin.objects.filter(pk=bulletin.supersedes_id).update(status=Bulletin.Status.SUPERSEDED)
        record(by, "bulletin.supersede", bulletin.supersedes, superseded_by=bulletin.pk)
    record(by, "bulletin.publish", bulletin, recipients=len(recipient_ids))
    # Several copies of the fan-out share its work (each claims deliveries with SKIP LOCKED), so that every
    # worker sends: one task alone kept one worker busy and the others idle.
    for _ in range(settings.EMAIL_FANOUT_TASKS):
        enqueue_with_this_transaction(send_bulletin_emails, bulletin.pk)
    # Last, so that the stream's lock is held for as short a time as possible.
    bulletin.sequence = _next_sequence()
    bulletin.save(update_fields=["sequence"])
    transaction.on_commit(lambda: transport.broadcast_bulletin(bulletin.pk))
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


@transaction.atomic
def schedule_bulletin(bulletin: Bulletin, *, when: datetime, by) -> Bulletin:
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if bulletin.is_published:
        raise BulletinError("This bulletin has already been published.")
    if when <= timezone.now():
        raise BulletinError("Choose a time in the future.")
    if unfilled := bulletin.unfilled_placeholders():  # the scheduler would refuse it when its time came
        raise BulletinError("Not scheduled: fill in " + ", ".join(f"{{{name}}}" for name in unfilled) + " first.")
    bulletin.status = Bulletin.Status.SCHEDULED
    bulletin.scheduled_for = when
    bulletin.save(update_fields=["status", "scheduled_for", "updated_at"])
    record(by, "bulletin.schedule", bulletin, scheduled_for=when.isoformat())
    return bulletin


@transaction.atomic
def unschedule_bulletin(bulletin: Bulletin, *, by) -> Bulletin:
    """Take a scheduled bulletin back to a draft (it keeps its content and audience). Refused if the scheduler
    published it meanwhile: under the row lock, one of the two wins."""
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if bulletin.status != Bulletin.Status.SCHEDULED:
        raise BulletinError("This bulletin is not scheduled any more"
                            + (": it has been published." if bulletin.is_published else "."))
    was = bulletin.scheduled_for
    bulletin.status = Bulletin.Status.DRAFT
    bulletin.scheduled_for = None
    bulletin.save(update_fields=["status", "scheduled_for", "updated_at"])
    record(by, "bulletin.unschedule", bulletin, scheduled_for=was.isoformat() if was else None)
    return bulletin


WITHDRAWABLE = (Bulletin.Status.PUBLISHED, Bulletin.Status.EXPIRED)


@transaction.atomic
def withdraw_bulletin(bulletin: Bulletin, *, by, reason: str) -> Bulletin:
    """Withdraw a published bulletin: it stays in its readers' inboxes, struck through with the reason, and
    after the commit their open pages are told. A superseded bulletin already points to its update."""
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if bulletin.status not in WITHDRAWABLE:
        raise BulletinError("Only a published bulletin can be withdrawn"
                            + (": this one already is." if bulletin.is_withdrawn else "."))
    bulletin.status = Bulletin.Status.WITHDRAWN
    bulletin.withdrawn_at = timezone.now()
    bulletin.withdrawn_by = by
    bulletin.withdrawal_reason = reason
    bulletin.save(update_fields=["status", "withdrawn_at", "withdrawn_by", "withdrawal_reason", "updated_at"])
    record(by, "bulletin.withdraw", bulletin, reason=reason)
    # The lead adds transport.broadcast_withdrawal with its browser handling; until it is there, pages show the
    # withdrawal when they next load.
    if hasattr(transport, "broadcast_withdrawal"):
        transaction.on_commit(lambda: transport.broadcast_withdrawal(bulletin.pk))
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
        Delivery.objects.filter(Delivery.UNSENT, bulletin__published_at__lte=cutoff,
                                bulletin__published_at__gte=timezone.now() - timedelta(days=1))
        .exclude(bulletin__status=Bulletin.Status.WITHDRAWN)
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


def mark_updates_read(updates: Iterable[Bulletin], *, user) -> int:
    """The user saw these bulletins (an incident's timeline): record the first read of each, in one UPDATE.
    Returns how many were unread."""
    return Delivery.objects.filter(user=user, bulletin__in=[update.pk for update in updates],
                                   read_at__isnull=True).update(read_at=timezone.now())


def leave_feedback(bulletin: Bulletin, *, user, body: str) -> Feedback:
    """A member's reply to the police liaison team; officers see it, and answer it privately."""
    return Feedback.objects.create(bulletin=bulletin, author=user, body=body)


@transaction.atomic
def answer_feedback(feedback: Feedback, *, by, answer: str) -> Feedback:
    """An officer's private answer to a member's reply: it marks the reply handled, shows on the bulletin's page
    for that member only, and is e-mailed to them once committed. One answer per reply: of two officers
    answering at once, the second is told."""
    feedback = Feedback.objects.select_for_update().select_related("bulletin", "author").get(pk=feedback.pk)
    if feedback.is_answered:
        raise BulletinError(f"{feedback.answered_by or 'Another officer'} has already answered this reply.")
    now = timezone.now()
    feedback.answer, feedback.answered_by, feedback.answered_at = answer, by, now
    update_fields = ["answer", "answered_by", "answered_at"]
    if feedback.handled_at is None:
        feedback.handled_at, feedback.handled_by = now, by
        update_fields += ["handled_at", "handled_by"]
    feedback.save(update_fields=update_fields)
    record(by, "feedback.answer", feedback, bulletin=feedback.bulletin_id)
    transaction.on_commit(lambda: _email_answer(feedback))
    return feedback


def _email_answer(feedback: Feedback) -> None:
    """The member is told of the answer. Nothing of an OFFICIAL-SENSITIVE bulletin travels by e-mail, and an
    answer about one is treated as part of it: the e-mail only says an answer is waiting, with the link."""
    bulletin = feedback.bulletin
    context = {"feedback": feedback, "bulletin": bulletin, "user": feedback.author,
               "url": settings.SITE_URL + bulletin.get_absolute_url() + "#your-replies"}
    subject = ("The police liaison team answered your reply" if bulletin.is_sensitive
               else f"Answer to your reply: {bulletin.title}")
    send_mail(subject=email_subject(subject), message=render_to_string("bulletins/email/feedback_answer.txt", context),
              from_email=None, recipient_list=[feedback.author.email])


@transaction.atomic
def mark_feedback_handled(feedback: Feedback, *, by) -> Feedback:
    """Take a reply off the officers' queue without an answer (nothing to say, or dealt with by phone)."""
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if feedback.handled_at is not None:
        raise BulletinError("This reply has already been handled.")
    feedback.handled_at, feedback.handled_by = timezone.now(), by
    feedback.save(update_fields=["handled_at", "handled_by"])
    record(by, "feedback.handle", feedback, bulletin=feedback.bulletin_id)
    return feedback


@transaction.atomic
def save_notice_template(*, by, name: str, sectors: Iterable[Sector], boroughs: Iterable[Borough],
                         **content: Any) -> NoticeTemplate:
    """A template for recurring notices; ``content`` is NoticeTemplate.CONTENT_FIELDS."""
    unknown = set(content) - set(NoticeTemplate.CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"Not a template's content: {', '.join(sorted(unknown))}")
    if NoticeTemplate.objects.filter(name__iexact=name).exists():
        raise BulletinError(f"There is already a template called “{name}”: choose another name.")
    template = NoticeTemplate.objects.create(name=name, created_by=by, **content)
    template.sectors.set(sectors)
    template.boroughs.set(boroughs)
    record(by, "notice_template.create", template)
    return template


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


@transaction.atomic
def link_thread(incident: Incident, thread: Thread, *, by) -> IncidentThreadLink:
    """Link a forum thread to an incident: its room lists it to those of the incident's readers who may read the
    thread. Only approved threads (a pending one has not been seen by a moderator yet); each thread once."""
    if not thread.is_approved:
        raise BulletinError("That thread is waiting for a moderator (or was rejected): link it once it is approved.")
    link, created = IncidentThreadLink.objects.get_or_create(incident=incident, thread=thread,
                                                             defaults={"linked_by": by})
    if not created:
        raise BulletinError("That thread is already linked to this incident.")
    record(by, "incident.link_thread", incident, thread=thread.pk, link=link.pk)
    _announce_threads(incident)
    return link


@transaction.atomic
def unlink_thread(link: IncidentThreadLink, *, by) -> None:
    """Remove a thread's link to an incident (the thread itself is untouched)."""
    deleted, _ = IncidentThreadLink.objects.filter(pk=link.pk).delete()
    if not deleted:
        raise BulletinError("That thread was not linked any more.")
    record(by, "incident.unlink_thread", link.incident, thread=link.thread_id)
    _announce_threads(link.incident)


def _announce_threads(incident: Incident) -> None:
    """Open incident rooms fetch their linked threads again (each page asks as its own user: what it may read)."""
    audience = Audience.of_incident(incident)
    refresh = {"type": "news", "toast": False, "refresh": [f"incident-{incident.pk}-threads"]}
    transaction.on_commit(lambda: transport.announce(audience, refresh))
