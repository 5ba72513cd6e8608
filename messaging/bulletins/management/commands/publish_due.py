from datetime import timedelta

from django.core.management.base import BaseCommand

from messaging.bulletins.services import publish_due, resume_unsent_emails


class Command(BaseCommand):
    help = (
        "Publish the scheduled bulletins whose time has come, and resume e-mail fan-outs a dead worker left "
        "unfinished. Idempotent: run it every minute (cron, systemd)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--resume-after", type=int, default=300, metavar="SECONDS",
                            help="Resume fan-outs of bulletins published at least this long ago (default 300).")

    def handle(self, *args, **options) -> None:
        published = publish_due()
        self.stdout.write(f"Published {len(published)} scheduled bulletin{'s' if len(published) != 1 else ''}.")
        resumed = resume_unsent_emails(timedelta(seconds=options["resume_after"]))
        if resumed:
            self.stdout.write(f"Resumed the e-mails of {len(resumed)} bulletin{'s' if len(resumed) != 1 else ''}.")
