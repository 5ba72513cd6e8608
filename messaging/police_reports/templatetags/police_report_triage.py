"""The triage's corner on other pages: the officer's dashboard lists new reports in their boroughs
(``{% new_reports_for user %}``), and a report's page shows the triage controls (``_triage_controls.html``, which
asks ``triage_moves`` and ``triage_officers`` here)."""

from django import template

from messaging.police_reports import permissions, triage
from messaging.police_reports import triage_selectors as selectors
from messaging.police_reports.models import PoliceReport
from sectors.models import BoroughSpoc

register = template.Library()

DASHBOARD_REPORTS = 8


@register.inclusion_tag("police_reports/_new_reports.html")
def new_reports_for(user) -> dict:
    """New reports about the boroughs the officer is SPOC or deputy for (every new report for a central
    officer), newest first, with how many there are: four queries at most, whatever the number of reports, and
    none while no report or SPOC has changed (kept in the cache like the navigation's count)."""
    if not permissions.can_triage(user):
        return {"show": False}
    return {"show": True, **selectors.cached_until_reports_change(f"dashboard:{user.pk}", lambda: _new_reports(user))}


def _new_reports(user) -> dict:
    roles = list(BoroughSpoc.objects.filter(officer_id=user.pk).select_related("borough").order_by("borough__name"))
    new = selectors.new_reports_in([role.borough_id for role in roles] if roles else None)
    reports = list(new.select_related("organisation").prefetch_related("boroughs").order_by("-created_at", "-pk")
                   [:DASHBOARD_REPORTS])
    count = len(reports) if len(reports) < DASHBOARD_REPORTS else new.count()
    return {"reports": reports, "count": count, "boroughs": [role.borough for role in roles],
            "scope": "all" if not roles else ""}


@register.filter
def triage_moves(report: PoliceReport) -> list[tuple[str, str]]:
    """The status buttons a report's page shows: (status, label)."""
    return triage.next_statuses(report)


@register.simple_tag
def triage_officers() -> list:
    """The officers a report may be assigned to (one query)."""
    return list(selectors.assignable_officers().only("pk", "display_name", "email"))
