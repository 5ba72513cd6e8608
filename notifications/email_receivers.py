"""E-mail about forum activity, queued when it happens (connected by NotificationsConfig.ready, beside the
receivers of receivers.py that write the notifications).

A new post's notifications are written in one INSERT (notifications.services.post_created: no post_save per row),
so the post's own signal queues one task for all of them; a notification saved on its own (post_save) queues its
own. Either way in the transaction that wrote them (a database queue commits the task with them), or after the
commit for a backend that runs tasks at once; the task sends only what the members' preferences want now
(notifications.rules), and never twice (it locks each row and marks it)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from common.tasks import enqueue_with_this_transaction
from messaging.board import signals
from notifications import rules
from notifications.email_tasks import send_notification_emails, send_post_emails
from notifications.models import Notification


@receiver(signals.post_created, dispatch_uid="notifications.email.post_created")
def email_post_notifications(sender, post, thread, first: bool, **kwargs) -> None:
    enqueue_with_this_transaction(send_post_emails, post.pk)


@receiver(post_save, sender=Notification, dispatch_uid="notifications.email.notification_saved")
def email_notification(sender, instance: Notification, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw and instance.kind in rules.FORUM_KINDS:
        enqueue_with_this_transaction(send_notification_emails, [instance.pk])
