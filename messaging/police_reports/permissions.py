"""Who may do what with reports to the police: the one place the report views ask.

A report is private to its author and the officers: nobody else ever sees it, its messages or its files (404,
so that ids tell outsiders nothing). Approved members write reports; officers triage, answer and assign them.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts import roles
from messaging.police_reports.models import Attachment, PoliceReport
from sectors.permissions import is_approved_member


def can_report(user) -> bool:
    """Approved members tell the police (officers have their own channels)."""
    return user.is_authenticated and user.is_active and is_approved_member(user)


def can_triage(user) -> bool:
    return roles.is_officer(user)


def visible_reports(user) -> QuerySet[PoliceReport]:
    """Officers: every report. A member: their own. Anyone else: none."""
    if not user.is_authenticated or not user.is_active:
        return PoliceReport.objects.none()
    if roles.is_officer(user):
        return PoliceReport.objects.all()
    return PoliceReport.objects.filter(author=user)


def require_reporter(user) -> None:
    if not can_report(user):
        raise PermissionDenied("Only approved members of a sector can send reports to the police.")


def require_triage(user) -> None:
    if not can_triage(user):
        raise PermissionDenied("Only police liaison officers triage reports.")


def access_report(user, pk: int) -> PoliceReport:
    """A report this user may read: their own, or any for an officer (404 otherwise)."""
    return get_object_or_404(visible_reports(user).select_related("author", "organisation", "assigned_to",
                                                                  "incident"), pk=pk)


def access_triaged_report(user, pk: int) -> PoliceReport:
    """Any report, for an officer to change its status, assign it or draft a bulletin from it."""
    require_triage(user)
    return get_object_or_404(PoliceReport.objects.select_related("author", "assigned_to"), pk=pk)


def access_attachment(user, pk: int, attachment_pk: int) -> Attachment:
    """A file of a report this user may read."""
    report = access_report(user, pk)
    return get_object_or_404(Attachment, report=report, pk=attachment_pk)
