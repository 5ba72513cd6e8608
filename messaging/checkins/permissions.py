"""Who may do what with check-ins: the one place the check-in views ask.

- Officers open, close and see everything: the grid, every answer, the export.
- A member answers for their organisation when the check-in asked it through them (a Delivery of its carrier
  bulletin, made by the audience rule while they were with that organisation: ``selectors.asking_deliveries``) and
  they are still an approved member; they see their own organisation's answer, nobody else's.
- A sector lead sees, for the sectors they lead, the asked organisations that have not answered (with their
  members' phone numbers), and may record a call or an answer on the organisation's behalf.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts import roles
from messaging.checkins import selectors
from messaging.checkins.models import CheckIn
from sectors.models import Organisation
from sectors.permissions import is_approved_member, led_sector_ids


class CheckInClosed(PermissionDenied):
    """The check-in closed: answers can no longer be given or changed (the answer view says so on its page)."""


def can_open(user) -> bool:
    """Opening and closing check-ins, the grid and the export are the police liaison officers' work."""
    return roles.is_officer(user)


def _require_officer(user) -> None:
    if not can_open(user):
        raise PermissionDenied("Only police liaison officers run check-ins.")


def may_answer_for_organisation(user) -> bool:
    """An active, approved member with an organisation (whether a check-in asked them is the other half)."""
    return bool(user.is_authenticated and user.is_active and user.organisation_id and is_approved_member(user))


def was_asked(user, check_in: CheckIn) -> bool:
    """Did the check-in ask this user's organisation through them (a Delivery of its carrier while they were with
    it: ``selectors.asking_deliveries``), and may they still answer for it (active, approved member)?"""
    if check_in.carrier_id is None or not may_answer_for_organisation(user):
        return False
    return selectors.asking_deliveries(check_in).filter(user=user).exists()


def visible_check_ins(user) -> QuerySet[CheckIn]:
    """Officers: all. Members: those whose carrier was delivered to them. Leads also those reaching their sectors
    (through the chase page's loader)."""
    if not user.is_authenticated or not user.is_active:
        return CheckIn.objects.none()
    if roles.is_officer(user):
        return CheckIn.objects.all()
    if not is_approved_member(user):
        return CheckIn.objects.none()
    return CheckIn.objects.filter(carrier__deliveries__user=user)


def _sees(user, *, delivered: bool) -> bool:
    """visible_check_ins' rule for one check-in, knowing whether its carrier was delivered to the user."""
    if not user.is_authenticated or not user.is_active:
        return False
    return roles.is_officer(user) or (delivered and is_approved_member(user))


# Loaders ------------------------------------------------------------------------------------------------------


def access_check_in(user, pk: int) -> CheckIn:
    """A check-in the user may see: officers any, members one that asked them (404 otherwise)."""
    return get_object_or_404(visible_check_ins(user).select_related("incident", "carrier"), pk=pk)


def access_answerable(user, pk: int) -> selectors.Answering:
    """A check-in this member may answer for their organisation now (404 when they may not see it, 403 when closed
    or not theirs to answer), with what validating and recording the answer needs: its choices, the boroughs of
    the organisation's premises and the organisation. One query (``selectors.answering``): thousands of answers
    come in a minute."""
    answering = selectors.answering(user, pk)
    if answering is None or not _sees(user, delivered=answering.delivered):
        raise Http404("No CheckIn matches the given query.")
    if not (answering.asks and may_answer_for_organisation(user)):
        raise PermissionDenied("This check-in did not ask your organisation, or you cannot answer for it.")
    if not answering.check_in.is_open:
        raise CheckInClosed("This check-in has closed: answers can no longer be changed.")
    return answering


def access_managed_check_in(user, pk: int) -> CheckIn:
    """Any check-in, for an officer: the grid, the export, closing it."""
    _require_officer(user)
    return get_object_or_404(CheckIn.objects.select_related("incident", "carrier"), pk=pk)


def chaseable_sector_ids(user, check_in: CheckIn) -> set[int]:
    """The sectors whose non-responders this user may chase: those they lead."""
    return led_sector_ids(user) if user.is_authenticated else set()


def access_chase(user, pk: int) -> tuple[CheckIn, set[int]]:
    """A check-in and the sectors this lead chases on it (403 for anyone who leads no sector)."""
    sector_ids = led_sector_ids(user) if user.is_authenticated else set()
    if not sector_ids:
        raise PermissionDenied("Only sector leads chase the organisations of their sectors.")
    return get_object_or_404(CheckIn.objects.select_related("incident", "carrier"), pk=pk), sector_ids


def access_chased_organisation(user, pk: int, organisation_pk: int) -> tuple[CheckIn, Organisation, set[int]]:
    """An organisation a lead may chase on this check-in: asked, and with an approved member in a sector the lead
    leads (404 otherwise). Which sectors those are comes back too."""
    check_in, sector_ids = access_chase(user, pk)
    organisation = get_object_or_404(selectors.asked_organisations(check_in, sector_ids=sector_ids),
                                     pk=organisation_pk)
    return check_in, organisation, sector_ids
