"""The scheduler as a long-running process (``manage.py publish_due --every SECONDS``): it publishes what falls
due, lives through a round that fails on the database, and stops with status 0 on SIGTERM."""

import signal
import subprocess
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from messaging.bulletins.models import Bulletin
from tests.factories import BulletinFactory
from tests.faults.helpers import requires_postgresql, wait_until
from tests.processes import BASE_DIR, manage, process_env

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

APPLICATION_NAME = "hub-scheduler-under-test"


def due_bulletin(officer, sector, title: str) -> Bulletin:
    return BulletinFactory(title=title, author=officer, sectors=[sector], status=Bulletin.Status.SCHEDULED,
                           scheduled_for=timezone.now() - timedelta(seconds=1))


def published(bulletin: Bulletin) -> bool:
    bulletin.refresh_from_db()
    return bulletin.status == Bulletin.Status.PUBLISHED


@pytest.fixture
def scheduler(tmp_path):
    """Start ``publish_due --every 0.2``; yields the process (its stderr in tmp_path/stderr.log)."""
    started = []

    def start(**env: str) -> subprocess.Popen:
        stderr = (tmp_path / "stderr.log").open("w")
        process = subprocess.Popen(  # noqa: S603 - our own command
            manage("publish_due", "--every", "0.2"), cwd=BASE_DIR, stdout=subprocess.PIPE, stderr=stderr, text=True,
            env=process_env(TASKS_BACKEND="immediate", EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                            **env),
        )
        process.stderr_log = tmp_path / "stderr.log"
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def wait_for_publication(process: subprocess.Popen, bulletin: Bulletin, *, timeout: float, message: str) -> None:
    def done() -> bool:
        assert process.poll() is None, f"the scheduler exited with status {process.returncode}"
        return published(bulletin)

    wait_until(done, timeout=timeout, message=message)


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=15)


def test_the_scheduler_publishes_what_falls_due_and_stops_with_status_0_on_sigterm(officer, sector_a, scheduler):
    first = due_bulletin(officer, sector_a, "Due at start")
    process = scheduler()
    wait_for_publication(process, first, timeout=30, message="the first due bulletin to be published")
    # Still running: a bulletin falling due later is published by a later round.
    second = due_bulletin(officer, sector_a, "Due later")
    wait_for_publication(process, second, timeout=10, message="the later bulletin to be published")
    assert process.poll() is None

    assert stop(process) == 0
    assert "Scheduler stopped." in process.stdout.read()


def test_a_round_failing_on_the_database_does_not_end_the_scheduler(officer, sector_a, scheduler):
    before = due_bulletin(officer, sector_a, "Before")
    process = scheduler()
    wait_for_publication(process, before, timeout=30, message="a first round")
    table = Bulletin._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {quote(table)} RENAME TO {quote(table + '_away')}")
    try:
        wait_until(lambda: process.stderr_log.read_text().count("this round failed") >= 2, timeout=15,
                   message="rounds failing on the missing table")
        assert process.poll() is None
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {quote(table + '_away')} RENAME TO {quote(table)}")

    after = due_bulletin(officer, sector_a, "After the fault")
    wait_for_publication(process, after, timeout=10, message="a round after the fault to publish")
    assert stop(process) == 0


def test_the_scheduler_reconnects_after_its_database_connections_are_terminated(officer, sector_a, scheduler):
    requires_postgresql()
    before = due_bulletin(officer, sector_a, "Before")
    process = scheduler(DATABASE_URL=f"{process_env()['DATABASE_URL']}?application_name={APPLICATION_NAME}")
    wait_for_publication(process, before, timeout=30, message="a first round")

    def terminate_its_connections() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s",
                           [APPLICATION_NAME])
            return cursor.fetchone()[0]

    # Several times over, so that rounds run into dead connections (pooled ones included).
    terminated = sum(terminate_its_connections() for _ in range(5))
    assert terminated >= 1
    after = due_bulletin(officer, sector_a, "After the restart")
    wait_for_publication(process, after, timeout=15, message="a round after the connections were terminated")
    assert process.poll() is None
    assert stop(process) == 0
