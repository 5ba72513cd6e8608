from datetime import timedelta

from django.core.management.base import BaseCommand

from messaging.bulletins.services import expire_ended, publish_due, resume_unsent_emails


def _bulletins(count: int) -> str:
    return f"{count} bulletin{'s' if count != 1 else ''}"


class Command(BaseCommand):
    help = (
        "Publish the scheduled bulletins whose time has come, mark expired the published ones whose event has "
        "ended, and resume e-mail fan-outs a dead worker left unfinished. Idempotent: run it every minute "
        "(cron, systemd)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--resume-after", type=int, default=300, metavar="SECONDS",
                            help="Resume fan-outs of bulletins published at least this long ago (default 300).")

    def handle(self, *args, **options) -> None:
        published = publish_due()
        self.stdout.write(f"Published {len(published)} scheduled bulletin{'s' if len(published) != 1 else ''}.")
        expired = expire_ended()
        if expired:
            self.stdout.write(f"Expired {_bulletins(expired)} whose event has ended.")
        resumed = resume_unsent_emails(timedelta(seconds=options["resume_after"]))
        if resumed:
            self.stdout.write(f"Resumed the e-mails of {_bulletins(len(resumed))}.")
