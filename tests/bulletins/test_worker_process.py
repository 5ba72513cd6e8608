"""The e-mail fan-out on the real database queue with real worker processes, one of them killed mid-run."""

import signal
import subprocess
import time
from collections import Counter

import pytest
from django.db import connection

from messaging.bulletins import services
from messaging.bulletins.models import Delivery
from tests.factories import BulletinFactory, member_of
from tests.processes import BASE_DIR, manage, process_env

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
RECIPIENTS = 30


@pytest.fixture
def db_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def mailbox_counts(folder) -> Counter:
    return Counter(path.name.rsplit(".", 2)[0] for path in folder.glob("*.eml"))


def test_killed_worker_then_restart_sends_everyone_exactly_one_email(officer, sector_a, db_queue, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker-kill test runs on the PostgreSQL run (SQLite has no row locks to share work)")
    members = [member_of(sector_a) for _ in range(RECIPIENTS)]
    bulletin = BulletinFactory(title="Worker test", author=officer, sectors=[sector_a])
    services.publish_bulletin(bulletin, by=officer)  # autocommit: the task is on the queue now

    env = process_env(
        TASKS_BACKEND="db",
        EMAIL_BACKEND="tests.mailbox.OneFilePerMessageBackend",
        TEST_MAILBOX=str(tmp_path),
        TEST_MAIL_DELAY="0.3",
    )
    worker = subprocess.Popen(
        manage("db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"),  # noqa: S603
        cwd=BASE_DIR,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while sum(mailbox_counts(tmp_path).values()) < 5:
            assert time.monotonic() < deadline, "the worker sent nothing"
            assert worker.poll() is None, "the worker exited"
            time.sleep(0.01)
        # Well inside the pause before the next message (the last one is written and marked by now).
        time.sleep(0.1)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    sent_before = sum(mailbox_counts(tmp_path).values())
    assert 5 <= sent_before < RECIPIENTS
    assert Delivery.objects.filter(bulletin=bulletin, emailed_at__isnull=False).count() == sent_before

    # The every-minute job notices the unfinished fan-out; a fresh worker finishes it.
    subprocess.run(
        manage("publish_due", "--resume-after", "0"),
        cwd=BASE_DIR,
        env=env,
        check=True,  # noqa: S603
        timeout=60,
    )
    subprocess.run(
        manage("db_worker", "--batch", "--no-reload", "--no-startup-delay"),
        cwd=BASE_DIR,  # noqa: S603
        env={**env, "TEST_MAIL_DELAY": "0"},
        check=True,
        timeout=120,
    )

    counts = mailbox_counts(tmp_path)
    assert counts == Counter({member.email: 1 for member in members})
    assert not Delivery.objects.filter(bulletin=bulletin, emailed_at__isnull=True).exists()
