"""``{% lead_chase_links user %}``: for a sector lead, the open check-ins that asked their sectors, each linking to
"not yet answered in my sector" (the chase page). Nothing for anyone who leads no sector."""

from django import template

from messaging.checkins.selectors import check_ins_to_chase

register = template.Library()


@register.inclusion_tag("checkins/_lead_chase_links.html")
def lead_chase_links(user) -> dict:
    """At most a few links, in two queries (the lead's sectors, cached for the request, and the check-ins)."""
    return {"check_ins": check_ins_to_chase(user) if getattr(user, "is_authenticated", False) else []}
