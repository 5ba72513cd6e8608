import logging
import signal
import threading
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connections

from messaging.bridge.services import announce_starting, send_due_reminders
from messaging.bulletins.services import expire_ended, publish_due, resume_unsent_emails
from messaging.checkins import chasing
from notifications import scheduled

logger = logging.getLogger(__name__)


def _bulletins(count: int) -> str:
    return f"{count} bulletin{'s' if count != 1 else ''}"


def _calls(count: int) -> str:
    return f"{count} bridge call{'s' if count != 1 else ''}"


class Command(BaseCommand):
    help = (
        "Publish the scheduled bulletins whose time has come, mark expired the published ones whose event has "
        "ended, resume e-mail fan-outs a dead worker left unfinished, send bridge call reminders and announce "
        "the calls starting. Idempotent: run it once (cron), or "
        "with --every SECONDS as a long-running scheduler (systemd) that runs a round every SECONDS until "
        "SIGTERM."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--resume-after", type=int, default=300, metavar="SECONDS",
                            help="Resume fan-outs of bulletins published at least this long ago (default 300).")
        parser.add_argument("--every", type=float, metavar="SECONDS",
                            help="Keep running: one round every SECONDS (e.g. 15) until SIGTERM or SIGINT.")

    def handle(self, *args, **options) -> None:
        if options["every"] is None:
            self.run_round(options)
        elif options["every"] <= 0:
            raise CommandError("--every takes a number of seconds above 0.")
        else:
            self.run_forever(options["every"], options)

    def run_round(self, options: dict) -> None:
        published = publish_due()
        self.stdout.write(f"Published {len(published)} scheduled bulletin{'s' if len(published) != 1 else ''}.")
        expired = expire_ended()
        if expired:
            self.stdout.write(f"Expired {_bulletins(expired)} whose event has ended.")
        resumed = resume_unsent_emails(timedelta(seconds=options["resume_after"]))
        if resumed:
            self.stdout.write(f"Resumed the e-mails of {_bulletins(len(resumed))}.")
        reminded = send_due_reminders()
        if reminded:
            self.stdout.write(f"Sent the reminders of {_calls(len(reminded))}.")
        starting = announce_starting()
        if starting:
            self.stdout.write(f"Announced the start of {_calls(len(starting))}.")
        check_ins = chasing.send_due_reminders()
        if check_ins:
            self.stdout.write(f"Queued the reminders of {len(check_ins)} check-in{'s' if len(check_ins) != 1 else ''}.")
        for line in scheduled.describe(scheduled.run()):  # quiet hours' releases, the daily digests
            self.stdout.write(line)

    def run_forever(self, every: float, options: dict) -> None:
        stop = threading.Event()

        def request_stop(signum: int, frame: object) -> None:
            # A round under way finishes (each publication is one transaction anyway); the next one never starts.
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.stdout.write(f"Scheduler: a round every {every:g} s until SIGTERM.")
        while not stop.is_set():
            try:
                # As around a request: drop connections that broke or aged, so a restarted or failed-over
                # database is reconnected to instead of failing every round on a dead connection.
                close_old_connections()
                self.run_round(options)
            except Exception:
                # One failed round (the database restarting, a dropped connection, a bug on one bulletin) must not
                # end the scheduler: log it and try again next round, on a fresh connection.
                logger.exception("publish_due: this round failed; trying again in %g s", every)
                connections.close_all()
            finally:
                self.stdout.flush()
            stop.wait(every)
        connections.close_all()
        self.stdout.write("Scheduler stopped.")
