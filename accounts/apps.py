from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import mfa, signals  # noqa: F401 - connect the audit and first-enrolment receivers
