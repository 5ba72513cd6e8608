"""The reports' corner on other apps' pages: the dashboard lists a member's open reports through this tag, so the
dashboard never imports this app."""

from django import template

from messaging.police_reports import permissions
from messaging.police_reports.triage_selectors import open_reports_of

register = template.Library()

SHOWN = 5


@register.inclusion_tag("police_reports/_my_open_reports.html")
def my_open_reports(user) -> dict:
    """``{% my_open_reports user %}``: the member's open reports (newest first) with their status: one query
    whatever their number, kept in the cache until a report changes. Nothing for officers (they have the triage
    list) or for people who may not report and have never reported."""
    if not getattr(user, "is_authenticated", False) or permissions.can_triage(user):
        return {"show": False}
    rows = open_reports_of(user, SHOWN + 1)
    if not rows and not permissions.can_report(user):
        return {"show": False}
    return {"show": True, "reports": rows[:SHOWN], "more": len(rows) > SHOWN}
