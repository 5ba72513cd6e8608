"""Two officers triaging one report at the same moment, for real (threads, each with its own PostgreSQL connection):
the triage services take the report's row lock first, so one bulletin is drafted however many click at once, and
of two identical status changes one is made and the other refused. PostgreSQL run only (SQLite has no row locks)."""

import threading

import pytest
from django.db import connection, connections

from audit.models import AuditEntry
from messaging.bulletins.models import Bulletin
from messaging.police_reports import triage
from messaging.police_reports.models import PoliceReport
from sectors.models import Sector
from tests.factories import member_of, officer_user
from tests.police_reports.triage_helpers import make_report

ON_SQLITE = "races on row locks run on the PostgreSQL run (SQLite has no row locks: it locks the whole file)"
pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason=ON_SQLITE),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WAIT = 20


def race(*calls) -> list:
    """Run the calls at once, one thread each; their results (or the exceptions they raised)."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, call) -> None:
        try:
            start.wait(WAIT)
            results[index] = call()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    return results


def test_officers_drafting_from_one_report_at_once_get_one_bulletin():
    report = make_report(member_of(Sector.objects.get(slug="retail")))
    officers = [officer_user() for _ in range(4)]
    results = race(*[lambda officer=officer: triage.draft_bulletin_from(report, by=officer) for officer in officers])
    assert all(isinstance(result, Bulletin) for result in results), results
    assert len({result.pk for result in results}) == 1
    assert Bulletin.objects.count() == 1
    report.refresh_from_db()
    assert report.bulletin_id == results[0].pk
    assert AuditEntry.objects.filter(action="police_report.draft_bulletin").count() == 1


def test_two_officers_acknowledging_at_once_acknowledge_once():
    report = make_report(member_of(Sector.objects.get(slug="retail")))
    first, second = officer_user(), officer_user()
    results = race(lambda: triage.set_status(report, PoliceReport.Status.ACKNOWLEDGED, by=first),
                   lambda: triage.set_status(report, PoliceReport.Status.ACKNOWLEDGED, by=second))
    assert sorted(type(result).__name__ for result in results) == ["PoliceReport", "TriageError"]
    assert AuditEntry.objects.filter(action="police_report.status").count() == 1
