from django.apps import AppConfig


class BulletinsConfig(AppConfig):
    """The bulletin publisher: bulletins, incidents, deliveries, acknowledgements, live push."""

    name = "messaging.bulletins"
    label = "bulletins"
    verbose_name = "Bulletins and incidents"

    def ready(self) -> None:
        from allauth.account.signals import password_changed, password_reset, password_set
        from django.contrib.auth.signals import user_logged_out

        from messaging.bulletins import live
        from sectors.signals import membership_changed

        membership_changed.connect(live.on_membership_changed, dispatch_uid="live.membership_changed")
        user_logged_out.connect(live.on_logged_out, dispatch_uid="live.logged_out")
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed, post_save

        user_model = get_user_model()
        m2m_changed.connect(live.on_roles_changed, sender=user_model.groups.through, dispatch_uid="live.groups")
        post_save.connect(live.on_user_saved, sender=user_model, dispatch_uid="live.user_saved")
        for name, signal in [("changed", password_changed), ("reset", password_reset), ("set", password_set)]:
            signal.connect(live.on_password_changed, dispatch_uid=f"live.password_{name}")
