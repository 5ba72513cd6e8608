"""The reports' corner on other apps' pages: the dashboard lists a member's open reports through this tag, so the
dashboard never imports this app."""

from django import template

from messaging.police_reports import permissions
from messaging.police_reports.models import PoliceReport

register = template.Library()

SHOWN = 5


@register.inclusion_tag("police_reports/_my_open_reports.html")
def my_open_reports(user) -> dict:
    """``{% my_open_reports user %}``: the member's open reports (newest first) with their status: one query
    whatever their number. Nothing for officers (they have the triage list) or for people who may not report
    and have never reported."""
    if not getattr(user, "is_authenticated", False) or permissions.can_triage(user):
        return {"show": False}
    rows = list(PoliceReport.objects.open().filter(author=user).only("pk", "title", "status", "created_at")
                .order_by("-created_at", "-pk")[:SHOWN + 1])
    if not rows and not permissions.can_report(user):
        return {"show": False}
    return {"show": True, "reports": rows[:SHOWN], "more": len(rows) > SHOWN}
