"""What the notifications app does when the board announces something (messaging.board.signals). Connected by
importing this module (``NotificationsConfig.ready``); each ``dispatch_uid`` keeps a second import from connecting
a receiver twice."""

from django.dispatch import receiver

from messaging.board import signals
from notifications import services


@receiver(signals.post_created, dispatch_uid="notifications.post_created")
def on_post_created(sender, post, thread, first: bool, **kwargs) -> None:
    services.post_created(post, thread, first=first)


@receiver(signals.post_edited, dispatch_uid="notifications.post_edited")
def on_post_edited(sender, post, thread, previous_html: str, **kwargs) -> None:
    services.post_edited(post, thread, previous_html=previous_html)


@receiver(signals.thread_started, dispatch_uid="notifications.thread_started")
def on_thread_started(sender, thread, **kwargs) -> None:
    services.thread_started(thread)


@receiver(signals.thread_decided, dispatch_uid="notifications.thread_decided")
def on_thread_decided(sender, thread, recipient, decision: str, text: str, url: str, by=None, **kwargs) -> None:
    services.thread_decided(thread=thread, recipient=recipient, decision=decision, text=text, url=url, by=by)


@receiver(signals.thread_viewed, dispatch_uid="notifications.thread_viewed")
def on_thread_viewed(sender, user, thread, last_post_id: int, **kwargs) -> None:
    services.record_view(user, thread, last_post_id)
