"""Background work for bulletins, through the Tasks API (django-tasks, Django 6's django.tasks backported)."""

import logging
import time
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import InterfaceError, OperationalError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from common.text import email_subject
from messaging.bulletins.audience import still_entitled
from messaging.bulletins.models import Bulletin, Delivery
from notifications import rules, unsubscribe

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Database outages (a dropped connection, a failover) one fan-out rides out in a row before it gives up and
# fails; the worker's supervisor (hub.workers) then puts the task back on the queue.
MAX_RECONNECTS = 5


def _claim_next(bulletin_id: int, skip: set[int]) -> Delivery | None:
    """The next delivery still to e-mail, locked so that two workers never take the same row, with its
    recipient's e-mail preferences (joined: no query of their own)."""
    pending = (
        still_entitled(Delivery.objects.filter(Delivery.UNSENT, bulletin_id=bulletin_id))
        .exclude(pk__in=skip)
        .select_related("user", "user__preferences")
        .order_by("pk")
    )
    if connection.features.has_select_for_update_skip_locked:
        pending = pending.select_for_update(skip_locked=True, of=("self",))
    return pending.first()


def message_domain() -> str:
    """The right-hand side of the portal's Message-IDs: SITE_URL's host, else the sender's domain."""
    host = urlsplit(settings.SITE_URL).hostname
    if not host:
        host = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]
    return host or "localhost"


def delivery_message_id(delivery: Delivery) -> str:
    """One Message-ID per delivery, the same every time it is sent: a message sent again after an interruption
    (a worker killed between the mail server accepting it and the row being marked) is a duplicate that
    receiving systems can recognise and drop."""
    return f"<bulletin-{delivery.bulletin_id}.delivery-{delivery.pk}@{message_domain()}>"


def render_email(bulletin: Bulletin, delivery: Delivery) -> EmailMessage:
    """OFFICIAL-SENSITIVE bulletins never travel in an e-mail: the subject is SENSITIVE_PLACEHOLDER and the body
    only says one is waiting, with the link."""
    context = {"bulletin": bulletin, "user": delivery.user, "url": settings.SITE_URL + bulletin.get_absolute_url(),
               "unsubscribe_url": unsubscribe.url(delivery.user, unsubscribe.BULLETINS),
               "preferences_url": settings.SITE_URL + reverse("preferences:edit")}
    subject = email_subject(
        bulletin.title_outside if bulletin.is_sensitive else f"{bulletin.get_severity_display()}: {bulletin.title}"
    )
    body = render_to_string("bulletins/email/bulletin.txt", context)
    return EmailMessage(subject=subject, body=body, to=[delivery.user.email],
                        headers={"Message-ID": delivery_message_id(delivery),
                                 **unsubscribe.headers(delivery.user, unsubscribe.BULLETINS,
                                                       link=context["unsubscribe_url"])})


def _send_next(bulletin: Bulletin, mail, failed: set[int]) -> bool | None:
    """Claim, send and mark one delivery in one transaction: True if sent, False if the send failed (the
    delivery joins ``failed``) or the member's preferences keep it for later, None when nothing is left.

    Later: below the member's threshold, it is left for their daily digest (digest_at); in their quiet hours,
    held until they end (email_after), when the scheduler puts it back in this queue (notifications.quiet).
    Either way it leaves the unsent rows in the same transaction as the claim, as a sent one does."""
    with transaction.atomic():
        delivery = _claim_next(bulletin.pk, failed)
        if delivery is None:
            return None
        route = rules.bulletin_route(bulletin, rules.preferences_of(delivery.user))
        if route.action == rules.DIGEST:
            Delivery.objects.filter(pk=delivery.pk).update(digest_at=timezone.now())
            return False
        if route.action == rules.HOLD:
            Delivery.objects.filter(pk=delivery.pk).update(email_after=route.until)
            return False
        try:
            mail.send_messages([render_email(bulletin, delivery)])
        except Exception:  # noqa: BLE001 - one bad address must not stop the rest
            logger.exception("E-mail of bulletin %s to user %s failed", bulletin.pk, delivery.user_id)
            failed.add(delivery.pk)
            return False
        Delivery.objects.filter(pk=delivery.pk).update(emailed_at=timezone.now())
        return True


@task()
def send_bulletin_emails(bulletin_id: int, attempt: int = 1) -> int:
    """E-mail a published bulletin to every recipient not yet e-mailed; returns how many were sent.

    Each message is claimed, sent and marked in its own transaction: a worker killed (or a database connection
    dropped) at any moment leaves at most the one message it was sending unmarked, sent again later only if
    the mail server had accepted it in the instant before the interruption, and then with the same Message-ID.
    Every other recipient is either marked or still to do. Two workers never take the same row. A failed
    send stays unmarked; the task re-enqueues itself to retry, a bounded number of times.

    A dropped database connection does not end the fan-out: the connection is closed (the pool hands out a
    checked one next) and the work goes on, up to MAX_RECONNECTS outages in a row.
    """
    bulletin = Bulletin.objects.get(pk=bulletin_id)
    if bulletin.is_withdrawn:
        return 0  # withdrawn before (or during) its fan-out: nobody still waiting is sent what no longer stands
    sent = 0
    failed: set[int] = set()
    mail = get_connection()
    outages = 0
    while True:
        try:
            outcome = _send_next(bulletin, mail, failed)
        except (OperationalError, InterfaceError):
            # Inside a caller's transaction (the immediate backend in a request) a reconnect would lose its
            # work: only a worker's own autocommit connection is replaced.
            outages += 1
            if connection.in_atomic_block or outages > MAX_RECONNECTS:
                raise
            logger.warning("Database error during the e-mail of bulletin %s; reconnecting", bulletin_id,
                           exc_info=True)
            connection.close()
            time.sleep(min(0.2 * 2 ** outages, 5))
            continue
        if outcome is None:
            break
        outages = 0
        sent += outcome
    if failed and attempt < MAX_ATTEMPTS:
        send_bulletin_emails.enqueue(bulletin_id, attempt + 1)
    return sent
