"""Shared by the e-mail preference, digest and unsubscribe tests: a settable clock, London times, publishing."""

from datetime import datetime

import pytest
from django.core import mail
from django.utils import timezone

from messaging.bulletins import services
from notifications.models import Preferences
from notifications.rules import LONDON


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=LONDON)


def set_clock(monkeypatch, when: datetime) -> None:
    """Every timezone.now() from here on (the services', the rules', the tasks') is ``when``."""
    monkeypatch.setattr(timezone, "now", lambda: when)


def prefer(user, **choices) -> Preferences:
    preferences, _ = Preferences.objects.update_or_create(user=user, defaults=choices)
    return preferences


def publish(bulletin, officer, capture) -> None:
    """Publish as an officer would, the e-mail fan-out run after the commit (the immediate backend)."""
    with capture(execute=True):
        services.publish_bulletin(bulletin, by=officer)


def sent_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    """The e-mail tasks run when queued (after the commit), on the PostgreSQL run too (its default is the database
    queue); import this fixture into a test module to use it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
