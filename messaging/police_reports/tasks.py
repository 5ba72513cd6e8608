"""The e-mails of reports to the police, through the Tasks API (as messaging/bulletins/tasks.py): a new report to
the officers it was routed to, a message to the other side. Plain text with an HTML alternative (every name and
title escaped in it); neither carries the report's or the message's text, only what arrived and the link.

The services enqueue these inside their transaction (a database queue commits the task with the report or not
at all) or, for the immediate backend, after the commit. Each message has a Message-ID fixed by what it is about
and its recipient, so a copy sent again after an interruption can be recognised."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django_tasks import task

from common.text import email_subject
from messaging.bulletins.tasks import message_domain
from messaging.police_reports.models import PoliceReport, ReportMessage

logger = logging.getLogger(__name__)


def _recipients(user_ids: list[int]):
    return get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk")


def _email(template: str, subject: str, context: dict, user, message_id: str) -> EmailMultiAlternatives:
    context = {**context, "user": user}
    message = EmailMultiAlternatives(subject=email_subject(subject),
                                     body=render_to_string(f"police_reports/email/{template}.txt", context),
                                     to=[user.email], headers={"Message-ID": message_id})
    message.attach_alternative(render_to_string(f"police_reports/email/{template}.html", context), "text/html")
    return message


def _send(messages: list[EmailMultiAlternatives], what: str) -> int:
    """Each message on its own: one refused address does not stop the others."""
    sent = 0
    connection = get_connection()
    for message in messages:
        try:
            sent += connection.send_messages([message]) or 0
        except Exception:  # noqa: BLE001 - logged; the report and the message are on the portal whatever happens
            logger.exception("E-mail about %s to %s failed", what, message.to)
    return sent


def report_email(report: PoliceReport, officer) -> EmailMultiAlternatives:
    context = {"report": report, "boroughs": list(report.boroughs.all()), "files": list(report.attachments.all()),
               "url": settings.SITE_URL + report.get_absolute_url()}
    return _email("new_report", f"Report to the police ({report.get_kind_display()}): {report.title}", context,
                  officer, f"<police-report-{report.pk}.officer-{officer.pk}@{message_domain()}>")


@task()
def send_report_emails(report_id: int, officer_ids: list[int]) -> int:
    """Tell each officer a report was routed to that it has arrived."""
    report = PoliceReport.objects.select_related("author", "organisation", "incident").get(pk=report_id)
    return _send([report_email(report, officer) for officer in _recipients(officer_ids)], f"report {report_id}")


def message_email(message: ReportMessage, user) -> EmailMultiAlternatives:
    report = message.report
    to_author = user.pk == report.author_id
    context = {"report": report, "message": message, "to_author": to_author,
               "url": settings.SITE_URL + report.get_absolute_url() + "#messages"}
    if to_author:
        subject = f"The police replied to your report: {report.title}"
    else:
        subject = f"Message on a report to the police: {report.title}"
    return _email("message", subject, context, user,
                  f"<police-report-{report.pk}.message-{message.pk}.user-{user.pk}@{message_domain()}>")


@task()
def send_message_emails(message_id: int, user_ids: list[int]) -> int:
    """Tell the other side of a report that a message is waiting for them."""
    message = ReportMessage.objects.select_related("report", "report__author", "author").get(pk=message_id)
    return _send([message_email(message, user) for user in _recipients(user_ids)], f"message {message_id}")
