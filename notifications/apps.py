from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """What a member follows and how the portal tells them: watch levels on forums and threads, the
    notifications behind the bell, where they stopped reading each thread, and how and when they want e-mail
    (immediately, in the daily digest, never; quiet hours; one-click unsubscribe)."""

    name = "notifications"
    verbose_name = "Following and notifications"

    def ready(self) -> None:
        from notifications import (
            email_receivers,  # noqa: F401 - queues the e-mail about forum activity
            receivers,  # noqa: F401 - connects the receivers of the board's signals
        )
