"""PostgreSQL drops its connections (a restart, a failover, pg_terminate_backend) and the Hub carries on: pages keep
answering instead of failing on dead pooled connections, the e-mail fan-out rides it out, and the supervised
workers finish it with no task left RUNNING (issue 14: "a dropped PostgreSQL connection kills both e-mail
workers and leaves the task RUNNING; pages get 500s from dead pooled connections").

Connections are only ever terminated on this test's own database (``current_database()``): other suites and
benchmarks share the server.
"""

import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connection
from django_tasks_db.models import DBTaskResult

from messaging.bulletins import services, tasks
from messaging.bulletins.models import Delivery
from tests.browser.servers import DaphneServer
from tests.factories import BulletinFactory, member_of
from tests.faults.helpers import child_pids, requires_postgresql, wait_until
from tests.processes import BASE_DIR, process_env

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def terminate_other_sessions() -> int:
    """End every other client session on this test's own database; returns how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return cursor.fetchone()[0]


def terminate_session(pid: int) -> None:
    """End one session of this test's database, from a connection of its own."""
    config = connection.settings_dict
    with psycopg.connect(dbname=config["NAME"], user=config["USER"], password=config["PASSWORD"] or None,
                         host=config["HOST"] or "127.0.0.1", port=config["PORT"] or 5432, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE pid = %s AND datname = current_database()", [pid])


def get_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own test server
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_pages_keep_answering_after_the_database_drops_its_connections(sector_a):
    requires_postgresql()
    server = DaphneServer().start()
    page = f"{server.url}/sectors/"  # public, and it reads the database
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            # Fill the server's pool with several connections (daphne serves requests on a thread pool).
            assert set(pool.map(get_status, [page] * 24)) == {200}
            assert terminate_other_sessions() >= 1
            statuses = list(pool.map(get_status, [page] * 30))
        assert Counter(statuses) == Counter({200: 30})
    finally:
        server.stop()


@pytest.fixture
def queued(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def test_a_fanout_rides_out_its_connection_being_dropped(officer, sector_a, queued, monkeypatch):
    """The worker's own connection is terminated while it sends: the fan-out reconnects and carries on instead
    of dying with the task RUNNING. The message in flight is sent again (one duplicate, same Message-ID)."""
    requires_postgresql()
    members = [member_of(sector_a) for _ in range(5)]
    bulletin = BulletinFactory(title="Reset test", author=officer, sectors=[sector_a])
    services.publish_bulletin(bulletin, by=officer)

    class DroppedAfterTheThird(locmem.EmailBackend):
        def send_messages(self, messages):
            sent = super().send_messages(messages)
            if len(mail.outbox) == 3:
                terminate_session(connection.connection.info.backend_pid)  # inside the claim's transaction
            return sent

    monkeypatch.setattr(tasks, "get_connection", DroppedAfterTheThird)
    assert tasks.send_bulletin_emails.call(bulletin.pk) == len(members)
    assert not Delivery.objects.filter(bulletin=bulletin, emailed_at__isnull=True).exists()
    recipients = Counter(message.to[0] for message in mail.outbox)
    assert set(recipients) == {member.email for member in members}
    assert sum(recipients.values()) == len(members) + 1  # the one in flight, once more
    (twice,) = [recipient for recipient, count in recipients.items() if count == 2]
    assert len({message.message()["Message-ID"] for message in mail.outbox if message.to == [twice]}) == 1


def mailbox_counts(folder: Path) -> Counter:
    return Counter(path.name.rsplit(".", 2)[0] for path in folder.glob("*.eml"))


def test_supervised_workers_finish_a_fanout_through_dropped_connections(officer, sector_a, settings, tmp_path):
    """Both workers (one busy with the fan-out, one idle) lose their connections twice mid fan-out: the fan-out
    finishes without publish_due, nothing is left RUNNING, and two workers are still serving."""
    requires_postgresql()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    members = [member_of(sector_a) for _ in range(12)]
    bulletin = BulletinFactory(title="Reset test", author=officer, sectors=[sector_a])
    services.publish_bulletin(bulletin, by=officer)  # autocommit: the fan-out is on the queue now
    env = process_env(TASKS_BACKEND="db", EMAIL_BACKEND="tests.mailbox.OneFilePerMessageBackend",
                      TEST_MAILBOX=str(tmp_path), TEST_MAIL_DELAY="0.2")
    supervisor = subprocess.Popen(  # noqa: S603 - a fixed command line
        [sys.executable, "-m", "hub.workers", "--processes", "2", "--grace", "10",
         "--", "--no-startup-delay", "--interval", "0.1"],
        cwd=BASE_DIR, env=env,
    )
    try:
        started = time.monotonic()
        dropped = 0  # connections terminated: each may cost the one message its worker had in flight
        for messages_sent in (3, 7):
            wait_until(lambda count=messages_sent: sum(mailbox_counts(tmp_path).values()) >= count, timeout=20,
                       message=f"{messages_sent} messages")
            terminated = terminate_other_sessions()
            assert terminated >= 2  # at least the two workers'
            dropped += terminated
        wait_until(lambda: not Delivery.objects.filter(bulletin=bulletin, emailed_at__isnull=True).exists(),
                   timeout=30, message="the fan-out to finish")
        assert time.monotonic() - started < 30
        wait_until(lambda: not DBTaskResult.objects.running().exists(), timeout=10, message="no task left running")
        # The publish queued EMAIL_FANOUT_TASKS copies of the fan-out: every one ended well.
        assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
        wait_until(lambda: len(child_pids(supervisor.pid)) == 2, timeout=10, message="two workers serving")
        assert supervisor.poll() is None
    finally:
        supervisor.terminate()
        assert supervisor.wait(timeout=20) == 0

    counts = mailbox_counts(tmp_path)
    assert set(counts) == {member.email for member in members}
    # Two copies of the fan-out share the work (EMAIL_FANOUT_TASKS), so both workers have a message in flight:
    # at most one duplicate per dropped connection.
    assert sum(counts.values()) - len(members) <= dropped
