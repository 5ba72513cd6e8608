"""The supervised task workers (`make worker`: python -m hub.workers): a worker killed mid fan-out is restarted, the
task it was running goes back on the queue at once (no five-minute wait for publish_due), and the fan-out sends
at most one duplicate per kill, carrying the same Message-ID as the first copy (issue 14).

The kill test needs PostgreSQL (row locks shared by processes); the requeue rule is checked on both databases.
"""

import contextlib
import email
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django_tasks_db.models import DBTaskResult

from hub.workers import MAX_TASK_ATTEMPTS, requeue_orphaned_tasks
from messaging.bulletins import services
from messaging.bulletins.models import Delivery
from messaging.bulletins.tasks import send_bulletin_emails
from tests.factories import BulletinFactory, member_of
from tests.faults.helpers import child_pids, requires_postgresql, wait_until
from tests.processes import BASE_DIR, process_env


class HoldingMailbox(BaseEmailBackend):
    """The worker processes' mail server: each message becomes $TEST_MAILBOX/<recipient>.<pid>.<n>.eml, then the
    send holds for $TEST_MAIL_HOLD seconds before it returns. A kill in that pause is the worst moment: the mail
    server has the message and the delivery is not marked yet."""

    sent = 0

    def send_messages(self, email_messages) -> int:
        folder = Path(os.environ["TEST_MAILBOX"])
        for message in email_messages:
            HoldingMailbox.sent += 1
            name = f"{message.to[0]}.{os.getpid()}.{HoldingMailbox.sent}"
            (folder / f"{name}.tmp").write_bytes(message.message().as_bytes())
            (folder / f"{name}.tmp").rename(folder / f"{name}.eml")  # whole, or not there
            time.sleep(float(os.environ.get("TEST_MAIL_HOLD", "0")))
        return len(email_messages)


def mailbox(folder: Path) -> dict[str, list[tuple[int, str]]]:
    """recipient -> [(sending pid, Message-ID), ...] for every message in the folder."""
    messages = defaultdict(list)
    for path in folder.glob("*.eml"):
        recipient, pid, _ = path.name.removesuffix(".eml").rsplit(".", 2)
        messages[recipient].append((int(pid), email.message_from_bytes(path.read_bytes())["Message-ID"]))
    return messages


@pytest.fixture
def db_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def start_workers(env: dict[str, str], processes: int = 2) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - a fixed command line
        [sys.executable, "-m", "hub.workers", "--processes", str(processes), "--grace", "10",
         "--", "--no-startup-delay", "--interval", "0.1"],
        cwd=BASE_DIR, env=env,
    )
    wait_until(lambda: process.poll() is not None or len(child_pids(process.pid)) == processes, timeout=20,
               message="the workers to start")
    assert process.poll() is None, "the supervisor exited"
    return process


def is_worker_of_this_test(pid: int, mailbox_folder: Path) -> bool:
    """A process still running with this test's mailbox in its environment (so never a recycled pid)."""
    try:
        return f"TEST_MAILBOX={mailbox_folder}".encode() in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


def stop_workers(process: subprocess.Popen, mailbox_folder: Path) -> int:
    """SIGTERM, as systemd sends it: every worker stops, and the supervisor exits 0."""
    children = child_pids(process.pid)
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        # The workers die with their supervisor; make sure of it (only processes this test started).
        for pid in children:
            if is_worker_of_this_test(pid, mailbox_folder):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


@pytest.mark.faults
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_killed_workers_are_replaced_and_the_fanout_resumes_at_once_with_one_duplicate_per_kill_at_most(
    officer, sector_a, db_queue, tmp_path
):
    requires_postgresql()
    members = [member_of(sector_a) for _ in range(10)]
    bulletin = BulletinFactory(title="Kill test", author=officer, sectors=[sector_a])
    services.publish_bulletin(bulletin, by=officer)  # autocommit: the fan-out is on the queue now
    env = process_env(TASKS_BACKEND="db", EMAIL_BACKEND=f"{__name__}.HoldingMailbox", TEST_MAILBOX=str(tmp_path),
                      TEST_MAIL_HOLD="0.4")
    supervisor = start_workers(env)
    started = time.monotonic()
    killed: list[int] = []
    try:
        for messages_before_kill in (2, 2):
            # Kill the worker sending right now, while it holds a message the mail server accepted.
            def sending_worker(count=messages_before_kill):
                senders = [pid for messages in mailbox(tmp_path).values() for pid, _ in messages
                           if pid not in killed]
                pid = senders[-1] if len(senders) >= count else None
                return pid if pid in child_pids(supervisor.pid) else None

            wait_until(lambda: sending_worker() is not None, timeout=20, interval=0.01, message="a sending worker")
            pid = sending_worker()
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

        # No publish_due: the supervisor put the task back on the queue, and a worker finishes the fan-out.
        wait_until(lambda: not Delivery.objects.filter(bulletin=bulletin, emailed_at__isnull=True).exists(),
                   timeout=30, message="the fan-out to finish")
        assert time.monotonic() - started < 30
        wait_until(lambda: not DBTaskResult.objects.running().exists(), timeout=10, message="no task left running")
        # The dead workers were replaced: the set is whole again.
        wait_until(lambda: len(child_pids(supervisor.pid)) == 2, timeout=10, message="two workers again")
        assert not set(killed) & child_pids(supervisor.pid)
        assert supervisor.poll() is None
    finally:
        code = stop_workers(supervisor, tmp_path)
    assert code == 0
    assert not any(is_worker_of_this_test(pid, tmp_path) for pid in killed + list(child_pids(os.getpid())))

    messages = mailbox(tmp_path)
    assert set(messages) == {member.email for member in members}
    duplicates = {recipient: copies for recipient, copies in messages.items() if len(copies) > 1}
    assert 1 <= sum(len(copies) - 1 for copies in duplicates.values()) <= len(killed)
    # Each duplicate is the same message to the receiving system: one Message-ID per delivery.
    for copies in duplicates.values():
        assert len({message_id for _, message_id in copies}) == 1
    all_ids = [copies[0][1] for copies in messages.values()]
    assert len(set(all_ids)) == len(members)


@pytest.mark.django_db
def test_only_the_dead_workers_tasks_go_back_on_the_queue(db_queue):
    """The task a dead worker was running is READY again (its attempts kept); a task running in a live worker is
    left alone; one that has lost its worker MAX_TASK_ATTEMPTS times is failed, not run again."""
    orphan, alive, cursed = (send_bulletin_emails.enqueue(n) for n in (1, 2, 3))
    DBTaskResult.objects.filter(pk=orphan.id).update(status="RUNNING", worker_ids=["w-1-1", "w-dead"])
    DBTaskResult.objects.filter(pk=alive.id).update(status="RUNNING", worker_ids=["w-dead", "w-alive"])
    DBTaskResult.objects.filter(pk=cursed.id).update(
        status="RUNNING", worker_ids=[f"w-{n}" for n in range(MAX_TASK_ATTEMPTS - 1)] + ["w-dead"])

    assert requeue_orphaned_tasks({"w-dead"}) == [str(orphan.id)]

    statuses = dict(DBTaskResult.objects.values_list("id", "status"))
    assert {str(pk): status for pk, status in statuses.items()} == {
        str(orphan.id): "READY", str(alive.id): "RUNNING", str(cursed.id): "FAILED",
    }
    assert DBTaskResult.objects.get(pk=orphan.id).worker_ids == ["w-1-1", "w-dead"]
    assert "WorkerDied" in DBTaskResult.objects.get(pk=cursed.id).exception_class_path
