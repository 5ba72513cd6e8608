"""Shared by the bridge tests: sectors with bridge representatives, and scheduling through the real service."""

from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.bridge import services
from messaging.bridge.models import BridgeCall
from sectors.models import BridgeRepresentative
from tests.factories import OrganisationFactory, member_of


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    """The invitation e-mails are sent by the time the transaction's callbacks have run."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def appoint(sector, user, deputy=None) -> BridgeRepresentative:
    return BridgeRepresentative.objects.create(sector=sector, user=user, deputy=deputy)


@pytest.fixture
def reps(db, sector_a, sector_b, westminster, camden):
    """Retail has two representatives (one in Westminster with a deputy of the same organisation, one in Camden);
    Banking has one, in Westminster."""
    shop = OrganisationFactory(name="Westminster Shops Ltd", boroughs=[westminster])
    camden_shop = OrganisationFactory(name="Camden Shops Ltd", boroughs=[camden])
    bank = OrganisationFactory(name="Westminster Bank plc", boroughs=[westminster])
    rita = member_of(sector_a, organisation=shop, display_name="Rita Retail")
    dave = member_of(sector_a, organisation=shop, display_name="Dave Deputy")
    colleague = member_of(sector_a, organisation=shop, display_name="Cora Colleague")
    cathy = member_of(sector_a, organisation=camden_shop, display_name="Cathy Camden")
    barry = member_of(sector_b, organisation=bank, display_name="Barry Bank")
    appoint(sector_a, rita, dave)
    appoint(sector_a, cathy)
    appoint(sector_b, barry)
    return {"rita": rita, "dave": dave, "colleague": colleague, "cathy": cathy, "barry": barry, "shop": shop,
            "bank": bank}


def in_future(hours: float = 24) -> timezone.datetime:
    return (timezone.now() + timedelta(hours=hours)).replace(second=0, microsecond=0)


@pytest.fixture
def schedule(officer, django_capture_on_commit_callbacks):
    """Schedule a call through the service, as if its transaction committed (e-mails sent, news pushed)."""

    def run(*, sectors=(), boroughs=(), named=(), by=None, **fields) -> BridgeCall:
        values = {"title": "Marathon road closures", "starts_at": in_future(), "duration_minutes": 60,
                  "dial_in": "+44 20 7946 0000\n020 7946 0001", "access_pin": "123456",
                  "join_url": "https://meet.example.org/bridge", "chair": by or officer, "agenda": "1. *Roads*",
                  "capacity": 50, **fields}
        with django_capture_on_commit_callbacks(execute=True):
            call = services.schedule_call(by=by or officer, sectors=list(sectors), boroughs=list(boroughs),
                                          named=list(named), **values)
        call.refresh_from_db()
        return call

    return run


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


def form_data(officer, **overrides) -> dict:
    """What an officer's schedule form sends (sectors and boroughs as lists of ids)."""
    data = {"title": "Marathon road closures", "starts_at": in_future().strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": "60", "dial_in": "+44 20 7946 0000", "access_pin": "123456",
            "join_url": "https://meet.example.org/bridge", "chair": str(officer.pk), "agenda": "Roads first.",
            "capacity": "50", "sectors": [], "boroughs": [], "named": ""}
    data.update(overrides)
    return data
