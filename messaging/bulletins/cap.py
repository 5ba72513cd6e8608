"""A published bulletin as a CAP 1.2 alert (OASIS Common Alerting Protocol, urn:oasis:names:tc:emergency:cap:1.2),
for officers and for partner systems (PartnerToken) at ``/bulletins/<id>/cap.xml``.

The message
-----------
- ``identifier`` ``<domain>-bulletin-<id>``, ``sender`` ``settings.CAP_SENDER`` (default ``liaison@<domain>``),
  ``<domain>`` being SITE_URL's host; ``sent`` the publication time, London time with its offset and no
  fractions (``2026-11-26T10:00:00+00:00``: the only form CAP's schema accepts); ``status`` Actual; ``scope``
  Restricted, ``restriction`` "Cross-Sector Hub members only"; ``code`` the protective marking (OFFICIAL or
  OFFICIAL-SENSITIVE: CAP's "special handling" code).
- ``msgType``: Alert for a first bulletin; Update for one that supersedes another, with ``references`` naming the
  message it replaces (``sender,identifier,sent``: the bulletin it directly supersedes, which named the one
  before it, so a receiver that follows the chain drops each in turn); Cancel for a withdrawn bulletin, as a
  message of its own (identifier ``<domain>-bulletin-<id>-withdrawn``, sent when it was withdrawn) whose
  ``references`` name the bulletin's own earlier message, and whose ``note`` is the reason given.
- ``incidents``: ``<domain>-incident-<id>`` for an incident's update, so that receivers can group a timeline.

The info block (language en-GB)
-------------------------------
``category`` from the kind:

==================  ========  ==========================================================================
kind                category  why
==================  ========  ==========================================================================
pre_planning        Safety    marches, state funerals, summits: public safety around an event
incident_update     Security  a developing police incident (CAP: "law enforcement ... security")
advice              Safety    protective advice to businesses
fraud_alert         Security  crime (law enforcement)
==================  ========  ==========================================================================

``urgency``, ``severity`` and ``certainty`` from the portal's severity:

==========  =========  ========  =========
severity    urgency    severity  certainty
==========  =========  ========  =========
info        Future     Minor     Possible
advisory    Expected   Moderate  Likely
warning     Expected   Severe    Likely
critical    Immediate  Extreme   Observed
==========  =========  ========  =========

except that a pre-planning notice whose event starts after it was sent is about the future: urgency Future and
certainty at most Likely (an event that has not happened is not "Observed").

``event`` is the kind's name; ``headline`` the title; ``description`` the body as plain text, then the event's
"When:" and "Where:" (CAP has no field for a place's name); ``instruction`` asks for the acknowledgement when
the bulletin does (or says it is withdrawn); ``web`` the bulletin's page; ``effective`` when it was sent,
``onset`` and ``expires`` the event's start and end (``effective`` is not the event's start: a receiver would
hold a notice about next week's march until the march). ``area``: ``areaDesc`` the boroughs' names (or
"Greater London" when it names none), a ``geocode`` (valueName "ONS") per borough with its ONS code, or
London's region code E12000007 for "Greater London".

OFFICIAL-SENSITIVE
------------------
Nothing of the content leaves: ``event``, ``headline``, ``description``, ``instruction`` and ``areaDesc`` are
SENSITIVE_PLACEHOLDER; ``category`` Other and urgency, severity and certainty Unknown (the kind and severity are
content too: the live toast keeps the kind out as well); no onset, expires, incident, note or geocode (times
and places are what must not travel). What is left is the marking, the dates of sending and the link.
"""

import html
import re
import xml.etree.ElementTree as ET  # noqa: S405 - we build XML here, we never parse it
from datetime import datetime

import nh3
from django.conf import settings
from django.utils import timezone

from messaging.bulletins.models import SENSITIVE_PLACEHOLDER, Bulletin
from messaging.bulletins.tasks import message_domain

NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
CONTENT_TYPE = "application/cap+xml; charset=utf-8"
RESTRICTION = "Cross-Sector Hub members only"
SENDER_NAME = "Cross-Sector Hub police liaison team"
LANGUAGE = "en-GB"
GREATER_LONDON = "Greater London"
LONDON_REGION_CODE = "E12000007"  # ONS: the London region, for a bulletin that names no borough
GEOCODE_NAME = "ONS"

CATEGORY = {
    Bulletin.Kind.PRE_PLANNING: "Safety",
    Bulletin.Kind.INCIDENT_UPDATE: "Security",
    Bulletin.Kind.ADVICE: "Safety",
    Bulletin.Kind.FRAUD_ALERT: "Security",
}
# severity -> (urgency, severity, certainty)
GRADING = {
    Bulletin.Severity.INFO: ("Future", "Minor", "Possible"),
    Bulletin.Severity.ADVISORY: ("Expected", "Moderate", "Likely"),
    Bulletin.Severity.WARNING: ("Expected", "Severe", "Likely"),
    Bulletin.Severity.CRITICAL: ("Immediate", "Extreme", "Observed"),
}
SENSITIVE_GRADING = ("Unknown", "Unknown", "Unknown")

# Characters XML 1.0 cannot carry at all (a document with one is not well-formed): dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def cap_datetime(value: datetime) -> str:
    """CAP's dateTime: London time with its offset, whole seconds, never "Z"."""
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def sender() -> str:
    return getattr(settings, "CAP_SENDER", "") or f"liaison@{message_domain()}"


def identifier(bulletin: Bulletin) -> str:
    return f"{message_domain()}-bulletin-{bulletin.pk}"


def reference(bulletin: Bulletin) -> str:
    """How a later message names this bulletin's own (Alert or Update) message: ``sender,identifier,sent``."""
    return f"{sender()},{identifier(bulletin)},{cap_datetime(bulletin.published_at)}"


def msg_type(bulletin: Bulletin) -> str:
    if bulletin.is_withdrawn:
        return "Cancel"
    return "Update" if bulletin.supersedes_id else "Alert"


def grading(bulletin: Bulletin) -> tuple[str, str, str]:
    """(urgency, severity, certainty): the table in the module's docstring."""
    if bulletin.is_sensitive:
        return SENSITIVE_GRADING
    urgency, severity, certainty = GRADING[bulletin.severity]
    ahead = bulletin.starts_at is not None and bulletin.starts_at > bulletin.published_at
    if bulletin.kind == Bulletin.Kind.PRE_PLANNING and ahead:
        urgency, certainty = "Future", "Likely" if certainty == "Observed" else certainty
    return urgency, severity, certainty


def plain_text(bulletin: Bulletin) -> str:
    """The body as plain text, one line per paragraph or list item (from its stored HTML: no Markdown here)."""
    text = html.unescape(nh3.clean(bulletin.body_html, tags=set()))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def description(bulletin: Bulletin) -> str:
    lines = [plain_text(bulletin)]
    if bulletin.starts_at:
        when = f"{timezone.localtime(bulletin.starts_at):%-d %b %Y %H:%M}"
        if bulletin.ends_at:
            when += f" to {timezone.localtime(bulletin.ends_at):%-d %b %Y %H:%M}"
        lines.append(f"When: {when} (London time)")
    if bulletin.location:
        lines.append(f"Where: {bulletin.location}")
    return "\n\n".join(line for line in lines if line)


def _add(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{NAMESPACE}}}{tag}")
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def build_alert(bulletin: Bulletin) -> ET.Element:
    """The alert element of a published bulletin (``boroughs`` prefetched, ``supersedes`` joined, for no
    query of their own)."""
    sensitive = bulletin.is_sensitive
    withdrawn = bulletin.is_withdrawn
    alert = ET.Element(f"{{{NAMESPACE}}}alert")
    _add(alert, "identifier", identifier(bulletin) + ("-withdrawn" if withdrawn else ""))
    _add(alert, "sender", sender())
    _add(alert, "sent", cap_datetime(bulletin.withdrawn_at if withdrawn else bulletin.published_at))
    _add(alert, "status", "Actual")
    _add(alert, "msgType", msg_type(bulletin))
    _add(alert, "scope", "Restricted")
    _add(alert, "restriction", RESTRICTION)
    _add(alert, "code", bulletin.get_marking_display())
    if withdrawn and bulletin.withdrawal_reason and not sensitive:
        _add(alert, "note", bulletin.withdrawal_reason)
    if withdrawn:
        _add(alert, "references", reference(bulletin))
    elif bulletin.supersedes_id and bulletin.supersedes.published_at:
        _add(alert, "references", reference(bulletin.supersedes))
    if bulletin.incident_id and not sensitive:
        _add(alert, "incidents", f"{message_domain()}-incident-{bulletin.incident_id}")
    _add_info(alert, bulletin)
    return alert


def _add_info(alert: ET.Element, bulletin: Bulletin) -> None:
    sensitive = bulletin.is_sensitive
    info = _add(alert, "info")
    _add(info, "language", LANGUAGE)
    _add(info, "category", "Other" if sensitive else CATEGORY[bulletin.kind])
    _add(info, "event", SENSITIVE_PLACEHOLDER if sensitive else bulletin.get_kind_display())
    urgency, severity, certainty = grading(bulletin)
    _add(info, "urgency", urgency)
    _add(info, "severity", severity)
    _add(info, "certainty", certainty)
    _add(info, "effective", cap_datetime(bulletin.published_at))
    if not sensitive and bulletin.starts_at:
        _add(info, "onset", cap_datetime(bulletin.starts_at))
    if not sensitive and bulletin.ends_at:
        _add(info, "expires", cap_datetime(bulletin.ends_at))
    _add(info, "senderName", SENDER_NAME)
    _add(info, "headline", bulletin.title_outside)
    _add(info, "description", SENSITIVE_PLACEHOLDER if sensitive else description(bulletin))
    if sensitive:
        _add(info, "instruction", SENSITIVE_PLACEHOLDER)
    elif bulletin.is_withdrawn:
        _add(info, "instruction", "Withdrawn by the police liaison team: this no longer stands.")
    elif bulletin.ack_requested:
        _add(info, "instruction", "The police liaison team asks you to acknowledge this bulletin on the Hub.")
    _add(info, "web", settings.SITE_URL + bulletin.get_absolute_url())
    area = _add(info, "area")
    if sensitive:
        _add(area, "areaDesc", SENSITIVE_PLACEHOLDER)
        return
    boroughs = sorted(bulletin.boroughs.all(), key=lambda borough: borough.name)
    _add(area, "areaDesc", ", ".join(borough.name for borough in boroughs) or GREATER_LONDON)
    for code in [borough.ons_code for borough in boroughs if borough.ons_code] if boroughs else [LONDON_REGION_CODE]:
        geocode = _add(area, "geocode")
        _add(geocode, "valueName", GEOCODE_NAME)
        _add(geocode, "value", code)


def cap_document(bulletin: Bulletin) -> bytes:
    """The CAP 1.2 XML document of a published bulletin, UTF-8 with its declaration."""
    if not bulletin.is_published:
        raise ValueError("Only a published bulletin has a CAP document.")
    body = ET.tostring(build_alert(bulletin), encoding="unicode", default_namespace=NAMESPACE)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'.encode()
