"""Run a supervised set of task workers: ``python -m hub.workers --processes 2`` (what ``make worker`` runs).

Each child is ``manage.py db_worker`` with a worker id the supervisor chose. When a child dies (killed, out of
memory, a database error it did not survive) the supervisor:

- puts the task that child was running back on the queue at once (django-tasks-db leaves it RUNNING for ever
  otherwise), so the e-mail fan-out resumes in another worker without waiting for ``publish_due``;
- starts a new child in its place (after a short pause, longer if the children keep dying at once).

SIGTERM or SIGINT stops the set: each child is asked once to finish its current task and exit; after
``--grace`` seconds those still running are killed, and their tasks go back on the queue. Exit status 0.
"""

import argparse
import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger("hub.workers")

MANAGE = Path(__file__).resolve().parent.parent / "manage.py"
# A task whose worker died this many times is more likely killing its workers than being unlucky: it is
# marked failed instead of being run again.
MAX_TASK_ATTEMPTS = 5
RESTART_DELAY = 0.5
MAX_RESTART_DELAY = 30.0
# A child that ran this long before dying is not crash-looping: its replacement starts after RESTART_DELAY.
HEALTHY_UPTIME = 30.0


class WorkerDied(Exception):
    """Recorded as the error of a task whose worker process died while running it, too often to run again."""


def requeue_orphaned_tasks(worker_ids: Collection[str]) -> list[str]:
    """Put back on the queue the tasks that were RUNNING in the (dead) workers named; returns their ids.

    Only exact worker ids are matched, so a task running in a live worker (of this set or any other) is never
    touched. The task is run again from the start: the tasks the Hub queues are safe to repeat (the e-mail
    fan-out skips whoever is marked e-mailed). A task already claimed MAX_TASK_ATTEMPTS times is marked
    failed instead.
    """
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    requeued: list[str] = []
    with transaction.atomic():
        for result in DBTaskResult.objects.running().select_for_update().order_by("enqueued_at"):
            if not result.worker_ids or result.worker_ids[-1] not in worker_ids:
                continue
            if len(result.worker_ids) >= MAX_TASK_ATTEMPTS:
                logger.error("Task %s (%s) lost its worker %s times; marking it failed", result.pk,
                             result.task_path, len(result.worker_ids))
                result.set_failed(WorkerDied(f"its worker process died {len(result.worker_ids)} times"))
                continue
            # READY again, as if just enqueued (run_after unchanged); the next claim appends its worker id,
            # so worker_ids keeps the history of attempts.
            DBTaskResult.objects.filter(pk=result.pk).update(status="READY")
            requeued.append(str(result.pk))
            logger.warning("Task %s (%s) was running in dead worker %s; back on the queue", result.pk,
                           result.task_path, result.worker_ids[-1])
    return requeued


def _die_with_parent() -> None:
    """In the child, before exec: Linux sends it SIGTERM if the supervisor dies (even by SIGKILL), so no
    worker outlives its supervisor and a restarted supervisor does not double the set."""
    # Not Linux (no prctl): the children then outlive a killed supervisor.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Slot:
    """One place in the set: the child running in it now, and how it has been going."""

    number: int
    process: subprocess.Popen | None = None
    worker_id: str = ""
    started: float = 0.0
    generation: int = 0
    delay: float = RESTART_DELAY
    restart_at: float = 0.0


@dataclass
class Supervisor:
    processes: int
    worker_args: list[str]
    grace: float = 30.0
    slots: list[Slot] = field(default_factory=list)
    orphans: set[str] = field(default_factory=set)
    stopping: bool = False

    def worker_id(self, slot: Slot) -> str:
        # Unique across hosts and restarts (db_worker takes at most 64 characters).
        return f"{socket.gethostname()[:32]}-{os.getpid()}-{slot.number}-{slot.generation}"

    def start(self, slot: Slot) -> None:
        slot.generation += 1
        slot.worker_id = self.worker_id(slot)
        command = [sys.executable, str(MANAGE), "db_worker", "--no-reload", "--worker-id", slot.worker_id,
                   *self.worker_args]
        # Its own session: a Ctrl+C in the terminal reaches the supervisor only, which asks each child once
        # (a second signal would make db_worker abandon its task).
        slot.process = subprocess.Popen(command, start_new_session=True, preexec_fn=_die_with_parent)  # noqa: S603
        slot.started = time.monotonic()
        logger.info("Started worker %s (pid %s)", slot.worker_id, slot.process.pid)

    def reap(self, slot: Slot) -> None:
        """A child exited: remember its tasks for recovery, and schedule its replacement."""
        code = slot.process.returncode
        uptime = time.monotonic() - slot.started
        logger.error("Worker %s (pid %s) exited with %s after %.1f s", slot.worker_id, slot.process.pid,
                     f"signal {-code}" if code < 0 else f"status {code}", uptime)
        self.orphans.add(slot.worker_id)
        slot.process = None
        # At once after a healthy run; a child that keeps dying young waits twice as long each time.
        if uptime >= HEALTHY_UPTIME:
            slot.delay = RESTART_DELAY
        slot.restart_at = time.monotonic() + slot.delay
        slot.delay = min(slot.delay * 2, MAX_RESTART_DELAY)

    def recover(self) -> None:
        """Requeue the dead workers' tasks; if the database is down too, try again on the next round."""
        if not self.orphans:
            return
        from django.db import DatabaseError, connection

        try:
            requeue_orphaned_tasks(self.orphans)
        except DatabaseError:
            logger.warning("Could not requeue the tasks of dead workers yet", exc_info=True)
            return
        finally:
            # Given back after each round, like a request's connection: a dropped one is then simply replaced
            # (the pool checks what it hands out) instead of failing every round after.
            connection.close()
        self.orphans.clear()

    def run(self) -> int:
        self.slots = [Slot(number) for number in range(1, self.processes + 1)]
        for slot in self.slots:
            self.start(slot)
        print(f"{self.processes} task workers running (python -m hub.workers, pid {os.getpid()})", flush=True)
        while not self.stopping:
            for slot in self.slots:
                if slot.process is not None and slot.process.poll() is not None:
                    self.reap(slot)
            self.recover()
            for slot in self.slots:
                if slot.process is None and time.monotonic() >= slot.restart_at and not self.stopping:
                    self.start(slot)
            time.sleep(0.2)
        self.shutdown()
        return 0

    def shutdown(self) -> None:
        running = [slot for slot in self.slots if slot.process is not None and slot.process.poll() is None]
        for slot in running:
            slot.process.terminate()  # db_worker finishes its current task, then exits
        deadline = time.monotonic() + self.grace
        for slot in running:
            try:
                slot.process.wait(timeout=max(deadline - time.monotonic(), 0))
            except subprocess.TimeoutExpired:
                logger.error("Worker %s did not stop within %s s; killing it", slot.worker_id, self.grace)
                slot.process.kill()
                slot.process.wait()
        # Every worker is gone now: whatever task still names one of them as RUNNING (killed after the grace,
        # or died on its own meanwhile) goes back on the queue for the next start.
        self.orphans.update(slot.worker_id for slot in self.slots if slot.worker_id)
        self.recover()

    def stop(self, signum, frame) -> None:
        self.stopping = True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog="Arguments after -- go to each db_worker (e.g. -- --interval 0.5).")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--grace", type=float, default=30.0,
                        help="seconds a stopping worker may take to finish its task (default 30)")
    args, worker_args = parser.parse_known_args(argv)
    if worker_args[:1] == ["--"]:
        worker_args = worker_args[1:]
    if args.processes < 1:
        parser.error("--processes must be at least 1")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    import django

    django.setup()
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logger.setLevel(logging.INFO)

    # db_worker refuses any other backend at once; restarting it for ever would only hide that.
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.compat import task_backends

    backend = worker_args[worker_args.index("--backend") + 1] if "--backend" in worker_args[:-1] else "default"
    if not isinstance(task_backends[backend], DatabaseBackend):
        print(f"The {backend!r} task backend is not a database queue: set TASKS_BACKEND=db (the default with "
              "DATABASE_URL) to run workers.", file=sys.stderr)
        return 2

    supervisor = Supervisor(processes=args.processes, worker_args=worker_args, grace=args.grace)
    signal.signal(signal.SIGTERM, supervisor.stop)
    signal.signal(signal.SIGINT, supervisor.stop)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
