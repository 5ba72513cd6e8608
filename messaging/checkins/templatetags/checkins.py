"""Check-ins shown on other apps' pages and e-mails, so that those apps need not import this one:

- ``{% load checkins %}{% incident_check_ins incident request.user %}``: the incident room's check-ins part;
- ``{% load checkins %}{% bulletin_check_in bulletin request.user %}``: on a bulletin's page, the officer's
  "Ask: are you affected?" link, and the way to the check-in a carrier bulletin asks;
- ``{% load checkins %}{% check_in_email bulletin user %}``: in the bulletin e-mail, the one-click answer links
  of the check-in it carries (nothing for other bulletins).
"""

from django import template
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist

from accounts import roles
from messaging.checkins import links, permissions, selectors
from messaging.checkins.models import CheckIn

register = template.Library()


def carried_check_in(bulletin) -> CheckIn | None:
    """The check-in a bulletin carries, or None. The reverse one-to-one caches its answer on the bulletin (None
    included), so the e-mail fan-out, which renders every message from one bulletin object, asks once."""
    try:
        return bulletin.check_in
    except ObjectDoesNotExist:
        return None


@register.simple_tag
def check_in_email(bulletin, user) -> str:
    """Plain text for the bulletin e-mail (autoescape is off there): for a carrier, one signed link per answer
    (for this recipient: the links carry their id) and the check-in's page. An OFFICIAL-SENSITIVE carrier gets
    the page's link only, like the rest of its e-mail. No query beyond the first message's lookup: the choices
    come from the check-in's stored ``live_answers``, the signing is arithmetic."""
    check_in = carried_check_in(bulletin)
    if check_in is None:
        return ""
    page = settings.SITE_URL + check_in.get_absolute_url()
    if not check_in.is_open:
        return f"This check-in has closed. See how it ended on the Hub: {page}\n"
    if bulletin.is_sensitive or not user.organisation_id:
        return f"Answer for your organisation on the Hub: {page}\n"
    expires_at = links.expiry_of(check_in)
    lines = ["Answer for your organisation with one click (you confirm on the page that opens):", ""]
    for choice in check_in.live_answers.get("choices", []):
        lines.append(f"  {' '.join(choice['label'].split())}: "
                     f"{links.answer_url(check_in, user.pk, choice['id'], expires_at=expires_at)}")
    lines += ["", f"Or answer on the Hub, with a note and the borough concerned: {page}",
              "One answer counts for your whole organisation; any of you can give it or change it.", ""]
    return "\n".join(lines)


@register.inclusion_tag("checkins/_incident_check_ins.html")
def incident_check_ins(incident, user) -> dict:
    """The incident's check-ins this user may see, newest first: for a member their organisation's answer (or
    the answer buttons), for officers the way to each grid and, once closed, the final tally. The officers'
    "Ask: are you affected?" link while the incident is active. Three queries whatever the number."""
    check_ins = selectors.check_ins_of_incident(incident.pk, user, permissions.visible_check_ins(user))
    return {"incident": incident, "check_ins": check_ins,
            "is_officer": roles.is_officer(user), "more_url": None}


@register.inclusion_tag("checkins/_bulletin_check_in.html")
def bulletin_check_in(bulletin, user) -> dict:
    """On a bulletin's page: the check-in it carries (the way to answer, or for officers to the grid), and for
    officers the link to ask its audience "are you affected?" (a published bulletin that is not a carrier)."""
    is_officer = roles.is_officer(user)
    carried = carried_check_in(bulletin) if bulletin.is_published else None  # a draft's page: no query for it
    can_ask = (is_officer and carried is None and bulletin.is_published and not bulletin.is_withdrawn)
    return {"bulletin": bulletin, "carried": carried, "is_officer": is_officer, "can_ask": can_ask}
