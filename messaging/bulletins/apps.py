from django.apps import AppConfig


class BulletinsConfig(AppConfig):
    """The bulletin publisher: bulletins, incidents, deliveries, acknowledgements, live push."""

    name = "messaging.bulletins"
    label = "bulletins"
    verbose_name = "Bulletins and incidents"
