"""The officers' triage of reports: status, assignment, and a bulletin drafted from a report. Each action runs in
one transaction under the report's row lock, is audited, and tells the people concerned after the commit.

Statuses move forward (new -> acknowledged -> in progress -> closed, skipping steps allowed: a question
answered at once is closed straight from new); a closed report may be reopened (back to in progress). Nothing
goes back to new, and in progress does not go back to acknowledged: once an officer has picked a report up, the
author has been told so. Every change is e-mailed to the author and shown to them live: they asked the police
something and should know where it stands.
"""

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from accounts import roles
from audit.services import record
from common.actions import ActionRefused
from common.text import email_subject
from messaging.bulletins import services as bulletin_services
from messaging.bulletins import transport
from messaging.bulletins.audience import Audience
from messaging.bulletins.models import Bulletin
from messaging.police_reports.models import PoliceReport

Status = PoliceReport.Status

# Where each status may go next, and what the button doing it says.
MOVES: dict[str, tuple[str, ...]] = {
    Status.NEW: (Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.CLOSED),
    Status.ACKNOWLEDGED: (Status.IN_PROGRESS, Status.CLOSED),
    Status.IN_PROGRESS: (Status.CLOSED,),
    Status.CLOSED: (Status.IN_PROGRESS,),
}
BUTTONS = {Status.ACKNOWLEDGED: "Acknowledge", Status.IN_PROGRESS: "Mark in progress", Status.CLOSED: "Close"}
REOPEN = "Reopen"

# The kind of bulletin a report becomes. Whatever a member told the police, what goes back out is the police's
# advice about it ("be alert to...", "we are aware of..."); a fraud alert is for fraud, which the report's kind
# does not tell (a crime trend may be shoplifting as well as invoice fraud), and an incident's updates are posted
# from its incident room. The officer changes the kind in the draft when it should be another.
BULLETIN_KIND: dict[str, str] = {
    PoliceReport.Kind.SUSPICIOUS_ACTIVITY: Bulletin.Kind.ADVICE,
    PoliceReport.Kind.CRIME_TREND: Bulletin.Kind.ADVICE,
    PoliceReport.Kind.INCIDENT_INFORMATION: Bulletin.Kind.ADVICE,
    PoliceReport.Kind.QUESTION: Bulletin.Kind.ADVICE,
}

# Open triage lists (officers only) fetch their live part again when a report changes; the author's list of their
# reports (views.MyReportsView) when its status does.
TRIAGE_PART = "report-triage"
AUTHOR_LIST_PART = "my-reports"


class TriageError(ActionRefused):
    """A triage action that cannot be done (already done, not allowed from here); the message says why."""


def next_statuses(report: PoliceReport) -> list[tuple[str, str]]:
    """The moves the report's status allows now, as (status, button label)."""
    if report.status == Status.CLOSED:
        return [(Status.IN_PROGRESS, REOPEN)]
    return [(status, BUTTONS[status]) for status in MOVES[report.status]]


def _locked(report: PoliceReport) -> PoliceReport:
    # Only the report's row is locked (PostgreSQL refuses FOR UPDATE on the outer join to a missing assignee).
    return PoliceReport.objects.select_for_update(of=("self",)).select_related("author", "assigned_to").get(
        pk=report.pk)


def _news(report: PoliceReport, heading: str, subheading: str, *, toast: bool, refresh: list[str]) -> dict[str, Any]:
    """A live payload about a report: its title and address only (the recipient may read the report)."""
    return {"type": "news", "toast": toast, "heading": heading, "subheading": subheading, "title": report.title,
            "url": report.get_absolute_url(), "severity": "info", "refresh": refresh}


def _refresh_triage(report: PoliceReport) -> None:
    """After the commit: the officers' open inboxes show the change."""
    news = _news(report, "Report to the police", "Changed", toast=False, refresh=[TRIAGE_PART])
    transaction.on_commit(lambda: transport.announce(Audience.chosen(everyone=False), news))


def _mail(template: str, subject: str, user, report: PoliceReport, **context: Any) -> None:
    context = {"user": user, "report": report, "url": settings.SITE_URL + report.get_absolute_url(), **context}
    send_mail(subject=email_subject(subject), message=render_to_string(template, context), from_email=None,
              recipient_list=[user.email])


@transaction.atomic
def set_status(report: PoliceReport, status: str, *, by) -> PoliceReport:
    """Move the report to ``status`` (see MOVES); the author is e-mailed and told live once it commits."""
    report = _locked(report)
    if status not in Status.values:
        raise TriageError("Choose a status: acknowledged, in progress or closed.")
    if status == report.status:
        raise TriageError(f"This report is already {report.get_status_display().lower()}.")
    if status not in MOVES[report.status]:
        raise TriageError(f"A report {report.get_status_display().lower()} cannot go back to "
                          f"{Status(status).label.lower()}.")
    previous = report.status
    report.status = status
    report.save(update_fields=["status", "updated_at"])
    reopened = previous == Status.CLOSED
    record(by, "police_report.status", report, previous=previous, status=status)
    subheading = "Reopened" if reopened else report.get_status_display()
    author = report.author
    personal = _news(report, "Your report", subheading, toast=True, refresh=[AUTHOR_LIST_PART])
    transaction.on_commit(lambda: transport.send_to_user(author.pk, personal))
    transaction.on_commit(lambda: _mail("police_reports/email/status_changed.txt",
                                        f"Your report to the police: {subheading.lower()}", author, report,
                                        reopened=reopened), robust=True)
    _refresh_triage(report)
    return report


@transaction.atomic
def assign(report: PoliceReport, officer, *, by) -> PoliceReport:
    """Assign the report to ``officer`` (None: to nobody). Only officers may be assigned; the assignee is
    e-mailed and told live once it commits (not when they assigned it to themselves)."""
    report = _locked(report)
    if officer is not None and not (officer.is_active and roles.is_officer(officer)):
        raise TriageError(f"{officer.display_name or officer.email} is not a police liaison officer: only officers "
                          "can be assigned a report.")
    officer_id = officer.pk if officer is not None else None
    if officer_id == report.assigned_to_id:
        raise TriageError("This report is not assigned to anyone." if officer is None
                          else f"This report is already assigned to {officer.display_name or officer.email}.")
    previous = report.assigned_to_id
    report.assigned_to = officer
    report.save(update_fields=["assigned_to", "updated_at"])
    record(by, "police_report.assign", report, assigned_to=officer_id, previous=previous)
    if officer is not None and officer_id != by.pk:
        personal = _news(report, "Report to the police", "Assigned to you", toast=True, refresh=[TRIAGE_PART])
        transaction.on_commit(lambda: transport.send_to_user(officer_id, personal))
        transaction.on_commit(lambda: _mail("police_reports/email/assigned.txt",
                                            f"Report assigned to you: {report.title}", officer, report,
                                            assigned_by=by), robust=True)
    _refresh_triage(report)
    return report


@transaction.atomic
def draft_bulletin_from(report: PoliceReport, *, by) -> Bulletin:
    """A bulletin draft from the report (or the one already drafted from it): its title and body to edit, its
    boroughs as the audience, the kind from BULLETIN_KIND. Who wrote the report and for which organisation are
    never copied: the bulletin is the officer's, and the body is the member's words for the officer to edit
    (nothing is added to it)."""
    report = _locked(report)
    if report.bulletin_id is not None:
        existing = Bulletin.objects.filter(pk=report.bulletin_id).first()
        if existing is not None:
            return existing
    bulletin = bulletin_services.create_draft(
        by=by, sectors=[], boroughs=list(report.boroughs.all()), kind=BULLETIN_KIND[report.kind],
        severity=Bulletin.Severity.INFO, title=report.title, body=report.body, everyone=False,
    )
    report.bulletin = bulletin
    report.save(update_fields=["bulletin", "updated_at"])
    record(by, "police_report.draft_bulletin", report, bulletin=bulletin.pk)
    _refresh_triage(report)
    return bulletin
