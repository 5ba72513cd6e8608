"""Keeps the officers' navigation count of new reports true: whatever changes a report (the services, the admin)
or who a borough's SPOCs are makes every cached count stale."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from messaging.police_reports.models import PoliceReport
from messaging.police_reports.triage_selectors import reports_changed
from sectors.models import BoroughSpoc


@receiver([post_save, post_delete], sender=PoliceReport, dispatch_uid="police_reports.new_count.report")
@receiver([post_save, post_delete], sender=BoroughSpoc, dispatch_uid="police_reports.new_count.spoc")
@receiver(m2m_changed, sender=PoliceReport.routed_to.through, dispatch_uid="police_reports.new_count.routing")
def on_report_changed(sender, **kwargs) -> None:
    """Forgotten now (this transaction's own pages count afresh) and again at commit (a page that counted in
    between saw the old number)."""
    reports_changed()
    transaction.on_commit(reports_changed, robust=True)
