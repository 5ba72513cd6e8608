from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from messaging.bulletins import services
from messaging.bulletins.models import Bulletin
from messaging.feeds import services as feed_services
from tests.factories import BulletinFactory

LONDON = ZoneInfo("Europe/London")


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def soon(days: float = 7, hours: float = 0) -> datetime:
    """A time this far from now (events in tests are mostly upcoming)."""
    return timezone.now() + timedelta(days=days, hours=hours)


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.SITE_URL = "https://hub.example.org"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


@pytest.fixture
def publish(officer, committed):
    """Publish a new bulletin (BulletinFactory fields); a pre-planning event a week from now by default."""

    def run(**fields) -> Bulletin:
        fields = {"kind": Bulletin.Kind.PRE_PLANNING, "starts_at": soon(7), **fields}
        bulletin = BulletinFactory(author=fields.pop("author", officer), **fields)
        committed(services.publish_bulletin, bulletin, by=officer)
        bulletin.refresh_from_db()
        return bulletin

    return run


@pytest.fixture
def supersede(officer, committed):
    """Publish an update of ``old`` (its content and audience, with these changes)."""

    def run(old: Bulletin, *, sectors=None, boroughs=None, **changes) -> Bulletin:
        content = {field: getattr(old, field) for field in Bulletin.CONTENT_FIELDS} | changes
        draft = services.create_draft(by=officer, sectors=list(old.sectors.all()) if sectors is None else sectors,
                                      boroughs=list(old.boroughs.all()) if boroughs is None else boroughs,
                                      supersedes=old, **content)
        committed(services.publish_bulletin, draft, by=officer)
        draft.refresh_from_db()
        return draft

    return run


@pytest.fixture
def withdraw(officer, committed):
    def run(bulletin: Bulletin, reason: str = "Called off by the organisers") -> Bulletin:
        return committed(services.withdraw_bulletin, bulletin, by=officer, reason=reason)

    return run


def events_url(user) -> str:
    return reverse("feeds:events", args=[feed_services.token_for(user).key])


def bulletins_url(user) -> str:
    return reverse("feeds:bulletins", args=[feed_services.token_for(user).key])


def fetch_calendar(client, user) -> icalendar.Calendar:
    response = client.get(events_url(user))
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.content)


def vevents(calendar: icalendar.Calendar) -> list[icalendar.Event]:
    return list(calendar.walk("VEVENT"))


def by_url(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(event["URL"]): event for event in vevents(calendar)}


def absolute(bulletin: Bulletin) -> str:
    return "https://hub.example.org" + bulletin.get_absolute_url()
