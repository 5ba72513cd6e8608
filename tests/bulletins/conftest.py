import pytest

from messaging.bulletins import services
from messaging.bulletins.models import Bulletin
from sectors.models import Sector
from tests.factories import BulletinFactory, OrganisationFactory, member_of


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    """Most tests want the e-mail fan-out done by the time publish returns; the queue has its own test."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def audience(db, sector_a, sector_b, westminster, camden):
    """Members placed so that "sectors A and B, in Westminster" picks exactly two people in two organisations."""
    in_westminster = OrganisationFactory(name="Westminster Retail Ltd", boroughs=[westminster])
    also_westminster = OrganisationFactory(name="Westminster Bank plc", boroughs=[westminster, camden])
    in_camden = OrganisationFactory(name="Camden Shops Ltd", boroughs=[camden])
    hotels = Sector.objects.get(slug="hotels-and-hospitality")
    return {
        "retail_westminster": member_of(sector_a, organisation=in_westminster, display_name="Rita Retail"),
        "bank_westminster": member_of(sector_b, organisation=also_westminster, display_name="Barry Bank"),
        "retail_camden": member_of(sector_a, organisation=in_camden, display_name="Cathy Camden"),
        "hotel_westminster": member_of(hotels, organisation=in_westminster, display_name="Hugo Hotel"),
    }


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a call as if its transaction committed: the after-commit e-mail fan-out and live push happen."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


@pytest.fixture
def publish(officer, committed):
    """Publish a new bulletin by the officer (BulletinFactory fields: title=, sectors=, ack_requested=...) through
    the real service, as if the transaction committed."""

    def run(**fields) -> Bulletin:
        bulletin = BulletinFactory(author=officer, **fields)
        committed(services.publish_bulletin, bulletin, by=officer)
        bulletin.refresh_from_db()
        return bulletin

    return run
