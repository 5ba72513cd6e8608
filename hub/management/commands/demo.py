from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils.module_loading import import_string

# Each app's demo step, in dependency order; each is idempotent and reads/extends a shared context.
DEMO_STEPS = [
    "accounts.demo.run",
    "sectors.demo.run",
    "messaging.board.demo.run",
    "messaging.bulletins.demo.run",
    "messaging.checkins.demo.run",
    "messaging.bridge.demo.run",
    "messaging.police_reports.demo.run",
    "search.demo.run",  # last: indexes what the steps before it wrote
]


class Command(BaseCommand):
    help = "Create or refresh the demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options) -> None:
        context: dict = {}
        # The demo's own notifications (approvals, bulletins) would bury the logins in console e-mail.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), transaction.atomic():
            for step in DEMO_STEPS:
                import_string(step)(context)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in with any of these:"))
        for role, email, password in context["logins"]:
            self.stdout.write(f"  {role:<24} {email:<28} {password}")
        self.stdout.write(
            "The administrator, officer, moderator and sector lead use two-factor authentication: "
            "`.venv/bin/python manage.py demo_code` prints the current code."
        )
