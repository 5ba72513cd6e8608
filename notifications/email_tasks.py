"""The notifications app's e-mail, through the Tasks API (as messaging/bulletins/tasks.py): forum activity as it
happens (for members who chose "immediately"), and what the daily digest (notifications.digest, which sends its
own) shares with it: the row lock and whether a notification can still be read.

Each message is claimed, sent and marked in one transaction under the row's lock (the notification's, the
digest's), as the bulletins' fan-out does: two tasks for the same row never both send it, a worker killed between
the mail server's acceptance and the mark sends it again at most once, with the same Message-ID.
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from common.text import email_subject, plain_summary
from messaging.board import permissions as board_permissions
from messaging.bulletins.tasks import message_domain
from notifications import rules, unsubscribe
from notifications.models import Notification, Preferences

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
EXCERPT_LENGTH = 300


def locked(queryset):
    """Lock the rows (only the main table's: the joined preferences may be missing, an outer join's null side)."""
    if connection.features.has_select_for_update:
        return queryset.select_for_update(of=("self",))
    return queryset


def still_readable(note: Notification) -> bool:
    """May the member still open what the notification is about? (The thread and post loaded with it.)"""
    if not note.user.is_active:
        return False
    if note.post is not None and note.post.hidden:
        return False
    return note.thread is None or board_permissions.can_see_thread(note.user, note.thread)


# Forum activity, as it happens --------------------------------------------------------------------------------


def notification_message_id(note: Notification) -> str:
    return f"<notification-{note.pk}@{message_domain()}>"


def render_notification(note: Notification) -> EmailMessage:
    context = {"note": note, "user": note.user, "url": settings.SITE_URL + (note.url or "/"),
               "excerpt": plain_summary(note.post.body, EXCERPT_LENGTH) if note.post is not None else "",
               "unsubscribe_url": unsubscribe.url(note.user, unsubscribe.FORUM),
               "preferences_url": settings.SITE_URL + reverse("preferences:edit")}
    body = render_to_string("notifications/email/notification.txt", context)
    return EmailMessage(subject=email_subject(note.text), body=body, to=[note.user.email],
                        headers={"Message-ID": notification_message_id(note),
                                 **unsubscribe.headers(note.user, unsubscribe.FORUM, link=context["unsubscribe_url"])})


def _send_notification(note_id: int, mail) -> bool | None:
    """Claim, send and mark one notification: True if sent; False if the send failed; None if there is nothing
    to send now (e-mailed already, read, not forum activity, not wanted at once, held by quiet hours: released
    at their end by notifications.quiet, or no longer readable)."""
    with transaction.atomic():
        note = locked(Notification.objects.filter(pk=note_id, emailed_at__isnull=True, read_at__isnull=True,
                                                   kind__in=rules.FORUM_KINDS)
                       .select_related("user", "user__preferences", "thread__forum", "post")).first()
        if note is None:
            return None
        preferences = rules.preferences_of(note.user)
        if not rules.forum_email_now(preferences) or rules.quiet_until(preferences) or not still_readable(note):
            return None
        try:
            mail.send_messages([render_notification(note)])
        except Exception:  # noqa: BLE001 - one bad address must not stop the rest; retried
            logger.exception("E-mail of notification %s to user %s failed", note_id, note.user_id)
            return False
        Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
        return True


@task()
def send_notification_emails(notification_ids: list[int], attempt: int = 1) -> int:
    """E-mail these notifications to those who want forum activity at once; returns how many were sent. Failed
    sends are tried again (a bounded number of times)."""
    mail = get_connection()
    sent, failed = 0, []
    for note_id in notification_ids:
        outcome = _send_notification(note_id, mail)
        if outcome is False:
            failed.append(note_id)
        sent += bool(outcome)
    if failed and attempt < MAX_ATTEMPTS:
        send_notification_emails.enqueue(failed, attempt + 1)
    return sent


def wanted_now(notes) -> "Iterable[int]":
    """The ids among these notifications whose members want forum activity at once (no preferences: the
    default, at once), not e-mailed yet."""
    return (notes.filter(emailed_at__isnull=True, read_at__isnull=True, kind__in=rules.FORUM_KINDS)
            .exclude(user__preferences__forum_email__in=[Preferences.ForumEmail.DIGEST, Preferences.ForumEmail.NEVER])
            .order_by("pk").values_list("pk", flat=True))


@task()
def send_post_emails(post_id: int) -> int:
    """The e-mails about one new post: every notification it made (one INSERT of the notifications app's, which
    sends no post_save), for the members who want them at once."""
    ids = list(wanted_now(Notification.objects.filter(post_id=post_id)))
    return send_notification_emails.call(ids) if ids else 0
