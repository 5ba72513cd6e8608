from django.apps import AppConfig


class BulletinsConfig(AppConfig):
    """The bulletin publisher: bulletins, incidents, deliveries, acknowledgements, live push."""

    name = "messaging.bulletins"
    label = "bulletins"
    verbose_name = "Bulletins and incidents"

    def ready(self) -> None:
        from messaging.bulletins import live
        from sectors.signals import membership_changed

        membership_changed.connect(live.on_membership_changed, dispatch_uid="live.membership_changed")
