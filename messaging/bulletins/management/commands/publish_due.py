from django.core.management.base import BaseCommand

from messaging.bulletins.services import publish_due


class Command(BaseCommand):
    help = "Publish the scheduled bulletins whose time has come. Idempotent: run it every minute (cron, systemd)."

    def handle(self, *args, **options) -> None:
        published = publish_due()
        self.stdout.write(f"Published {len(published)} scheduled bulletin{'s' if len(published) != 1 else ''}.")
