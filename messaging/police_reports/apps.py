from django.apps import AppConfig


class PoliceReportsConfig(AppConfig):
    """What members tell the police (suspicious activity, crime patterns, information, questions), with
    attachments, routed to the borough SPOCs, triaged by officers and answered privately.

    Its own app: its own people (author and officers only), files and triage; it hands a report to the bulletin
    publisher as a draft, and the bulletins need not know about it."""

    name = "messaging.police_reports"
    label = "police_reports"
    verbose_name = "Reports to the police"

    def ready(self) -> None:
        # Importing connects the receivers (the officers' cached count of new reports). Not at the top: they
        # need the models, which cannot be loaded while this module is.
        from messaging.police_reports import receivers  # noqa: F401
