"""Background work for bulletins, through the Tasks API (django-tasks, Django 6's django.tasks backported)."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from common.text import email_subject
from messaging.bulletins.audience import still_entitled
from messaging.bulletins.models import Bulletin, Delivery

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def _claim_next(bulletin_id: int, skip: set[int]) -> Delivery | None:
    """The next delivery still to e-mail, locked so that two workers never take the same row."""
    pending = (
        still_entitled(Delivery.objects.filter(bulletin_id=bulletin_id, emailed_at__isnull=True))
        .exclude(pk__in=skip)
        .select_related("user")
        .order_by("pk")
    )
    if connection.features.has_select_for_update_skip_locked:
        pending = pending.select_for_update(skip_locked=True, of=("self",))
    return pending.first()


def render_email(bulletin: Bulletin, delivery: Delivery) -> EmailMessage:
    """OFFICIAL-SENSITIVE bulletins never travel in an e-mail body: the mail only says one is waiting."""
    context = {"bulletin": bulletin, "user": delivery.user, "url": settings.SITE_URL + bulletin.get_absolute_url()}
    subject = email_subject(
        "A bulletin is waiting for you" if bulletin.is_sensitive
        else f"{bulletin.get_severity_display()}: {bulletin.title}"
    )
    body = render_to_string("bulletins/email/bulletin.txt", context)
    return EmailMessage(subject=subject, body=body, to=[delivery.user.email])


@task()
def send_bulletin_emails(bulletin_id: int, attempt: int = 1) -> int:
    """E-mail a published bulletin to every recipient not yet e-mailed; returns how many were sent.

    Each message is claimed, sent and marked in its own transaction: a worker killed at any moment leaves
    at most the one message it was sending unmarked (sent again only if the mail server had accepted it in
    the instant before the kill), and every other recipient is either marked or still to do. Two workers
    never take the same row. A failed send stays unmarked; the task re-enqueues itself to retry, a bounded
    number of times.
    """
    bulletin = Bulletin.objects.get(pk=bulletin_id)
    sent = 0
    failed: set[int] = set()
    mail = get_connection()
    while True:
        with transaction.atomic():
            delivery = _claim_next(bulletin_id, failed)
            if delivery is None:
                break
            try:
                mail.send_messages([render_email(bulletin, delivery)])
            except Exception:  # noqa: BLE001 - one bad address must not stop the rest
                logger.exception("E-mail of bulletin %s to user %s failed", bulletin_id, delivery.user_id)
                failed.add(delivery.pk)
                continue
            Delivery.objects.filter(pk=delivery.pk).update(emailed_at=timezone.now())
            sent += 1
    if failed and attempt < MAX_ATTEMPTS:
        send_bulletin_emails.enqueue(bulletin_id, attempt + 1)
    return sent
