from django.apps import AppConfig


class CheckInsConfig(AppConfig):
    """"Are you affected?" check-ins: a question with coded answers carried by an incident update or a bulletin,
    answered once per organisation, aggregated live for officers, chased by sector leads.

    Its own app beside the bulletins: a check-in rides on a bulletin (the carrier: its deliveries, e-mails, toasts
    and inbox row are how the question reaches people), and the bulletins need not know about check-ins."""

    name = "messaging.checkins"
    label = "checkins"
    verbose_name = "Check-ins"
