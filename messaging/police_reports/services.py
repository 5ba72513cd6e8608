"""Members telling the police, and the private messages on a report. Each action runs in one transaction and is
audited; e-mails are queued with the transaction, live news sent after the commit.

Routing (decided): a report goes to the SPOCs and deputies of its boroughs who are still active officers; when
none of its boroughs has one, to the central liaison team, that is every active member of the officers group.
Every officer can open every report whatever its routing: routing decides who is told (e-mail and a toast).

E-mails never carry a report's or a message's text (it may name people, vehicles, premises): they say what
arrived and link to it. The member's e-mails name an officer by their display name only.
"""

import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts import roles
from audit.services import record
from common.actions import ActionRefused
from common.tasks import enqueue_with_this_transaction
from common.text import plain_summary
from messaging.bulletins import transport
from messaging.bulletins.audience import Audience
from messaging.police_reports import attachments, permissions, tasks
from messaging.police_reports.models import PoliceReport, ReportMessage
from sectors.models import BoroughSpoc

logger = logging.getLogger(__name__)

# Page parts (data-live-part) that list reports: the officers' triage list, a report's message thread.
TRIAGE_PART = "report-triage"


def messages_part(report: PoliceReport) -> str:
    return f"report-{report.pk}-messages"


class ReportError(ActionRefused):
    """A report or message the rules do not allow; the message says why."""


# Routing ---------------------------------------------------------------------------------------------------------


def _active_officers():
    return get_user_model().objects.filter(is_active=True, groups__name=roles.OFFICERS)


def route(borough_ids: Iterable[int]) -> list[int]:
    """The officers a report about these boroughs goes to: their SPOCs and deputies (active officers), or the
    central liaison team (every active officer) when none of them has one."""
    spocs = set(
        BoroughSpoc.objects.filter(borough_id__in=list(borough_ids), officer__in=_active_officers())
        .values_list("officer_id", flat=True)
    )
    if spocs:
        return sorted(spocs)
    return sorted(set(_active_officers().values_list("pk", flat=True)))


# Live news ---------------------------------------------------------------------------------------------------------


def _news(report: PoliceReport, subheading: str, *, toast: bool, summary: str = "",
          refresh: Iterable[str] = ()) -> dict[str, Any]:
    return {"type": "news", "toast": toast, "heading": "Report to the police", "subheading": subheading,
            "title": report.title, "url": report.get_absolute_url(), "summary": summary, "severity": "info",
            "refresh": list(refresh)}


def _after_commit_tell(report: PoliceReport, personal: dict, people: Iterable[int], officers_refresh: list[str]
                       ) -> None:
    """After the commit: ``personal`` to each of ``people``; a quiet refresh of the officers' open pages."""
    people = sorted(set(people))
    quiet = {"type": "news", "toast": False, "refresh": officers_refresh}

    def send() -> None:
        for user_id in people:
            transport.send_to_user(user_id, personal)
        transport.announce(Audience.chosen(everyone=False), quiet)

    transaction.on_commit(send)


# Reports -----------------------------------------------------------------------------------------------------------


def submit_report(*, author, kind: str, title: str, body: str, boroughs: Iterable, incident=None,
                  files: Iterable[attachments.CleanFile] = ()) -> PoliceReport:
    """Store a member's report with its boroughs and checked files (``attachments.check_upload``), route it, audit
    it. After the commit each officer it was routed to gets an e-mail and a toast, and the officers' open triage
    lists refresh. Files written for a report that is then not saved are removed."""
    boroughs, files = list(boroughs), list(files)
    if not permissions.can_report(author):
        raise ReportError("Only approved members of a sector can send reports to the police.")
    if not boroughs:
        raise ReportError("Choose at least one borough.")
    if len(files) > attachments.max_files():
        raise ReportError(f"Attach at most {attachments.max_files()} files to one report.")
    if kind not in PoliceReport.Kind.values:
        raise ReportError("Choose one of the kinds of report listed.")
    stored: list[str] = []
    try:
        with transaction.atomic():
            report = PoliceReport.objects.create(kind=kind, title=title, body=body, incident=incident,
                                                 author=author, organisation=author.organisation)
            report.boroughs.set(boroughs)
            for clean in files:
                stored.append(attachments.store(report, clean).file.name)
            officer_ids = route(borough.pk for borough in boroughs)
            report.routed_to.set(officer_ids)
            record(author, "police_report.submit", report, kind=kind, boroughs=sorted(b.pk for b in boroughs),
                   incident=incident.pk if incident else None, attachments=len(files), routed_to=officer_ids)
            enqueue_with_this_transaction(tasks.send_report_emails, report.pk, officer_ids)
            summary = ", ".join(borough.name for borough in boroughs)
            if author.organisation_id:
                summary += f" · from {author.organisation.name}"
            _after_commit_tell(report, _news(report, report.get_kind_display(), toast=True, summary=summary,
                                             refresh=[TRIAGE_PART]), officer_ids, [TRIAGE_PART])
    except BaseException:
        attachments.discard(stored)
        raise
    return report


# Messages ----------------------------------------------------------------------------------------------------------


def _message_recipients(report: PoliceReport, by) -> list[int]:
    """An officer's message goes to the author (and the assigned officer, if another officer wrote it); the
    author's to the assigned officer, else the officers it was routed to, else the central team."""
    if report.author_id != by.pk:
        people = {report.author_id}
        if report.assigned_to_id and report.assigned_to_id != by.pk:
            people.add(report.assigned_to_id)
        return sorted(people)
    if report.assigned_to_id:
        return [report.assigned_to_id]
    routed = list(report.routed_to.filter(is_active=True).values_list("pk", flat=True))
    return sorted(routed or route(report.boroughs.values_list("pk", flat=True)))


def post_message(report: PoliceReport, *, by, body: str) -> ReportMessage:
    """A private message on a report from its author or an officer. The other side is e-mailed and gets a toast;
    the report's open pages refresh their thread. Audited."""
    is_officer = roles.is_officer(by)
    if report.author_id != by.pk and not is_officer:
        raise ReportError("Only the report's author and police officers can write on it.")
    with transaction.atomic():
        report = PoliceReport.objects.select_related("author", "assigned_to").get(pk=report.pk)  # as it is now
        message = ReportMessage.objects.create(report=report, author=by, body=body)
        report.save(update_fields=["updated_at"])
        recipients = [pk for pk in _message_recipients(report, by) if pk != by.pk]
        record(by, "police_report.message", report, message=message.pk, to=recipients)
        enqueue_with_this_transaction(tasks.send_message_emails, message.pk, recipients)
        part = messages_part(report)
        from_officer = report.author_id != by.pk
        personal = _news(report, f"{'Reply' if from_officer else 'Message'} from {by.display_name}", toast=True,
                         summary=plain_summary(body, 120), refresh=[part] if from_officer else [part, TRIAGE_PART])
        _after_commit_tell(report, personal, recipients, [part, TRIAGE_PART])
    return message
