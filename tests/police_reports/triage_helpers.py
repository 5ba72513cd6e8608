"""Reports made straight with the ORM, so that the triage tests do not depend on the submission service."""

from messaging.police_reports.models import PoliceReport
from sectors.models import BoroughSpoc

_counter = iter(range(1, 1_000_000))


def make_report(author, *, boroughs=(), routed_to=(), status: str = PoliceReport.Status.NEW,
                kind: str = PoliceReport.Kind.SUSPICIOUS_ACTIVITY, assigned_to=None, title: str | None = None,
                body: str = "A man photographing the **loading bay** for an hour.", **fields) -> PoliceReport:
    report = PoliceReport.objects.create(
        author=author, organisation=author.organisation, kind=kind, status=status, assigned_to=assigned_to,
        title=title or f"Report {next(_counter)}", body=body, **fields)
    report.boroughs.set(boroughs)
    report.routed_to.set(routed_to)
    return report


def make_spoc(officer, borough, role: str = BoroughSpoc.Role.SPOC) -> BoroughSpoc:
    return BoroughSpoc.objects.create(officer=officer, borough=borough, role=role)
