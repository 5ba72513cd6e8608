from django.apps import AppConfig


class BulletinsConfig(AppConfig):
    """The bulletin publisher: bulletins, incidents, deliveries, acknowledgements, live push."""

    name = "messaging.bulletins"
    label = "bulletins"
    verbose_name = "Bulletins and incidents"

    def ready(self) -> None:
        # Importing connects the receivers. Not at the top: they need the user model, which cannot be loaded
        # while this module is (the app registry imports apps.py before any models.py).
        from messaging.bulletins import receivers  # noqa: F401
