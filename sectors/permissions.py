"""Who may see and decide what about sectors, memberships and organisations: the one place sectors views ask.

Rules answer yes or no (``can_*``, ``is_*``); loaders (``access_*``) fetch an object, check the rule and raise
404 or 403 in one step, so a view never holds an object it may not use.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts import roles
from common import usercache
from sectors.models import Membership, Organisation, Sector


def approved_sector_ids(user) -> set[int]:
    """The sectors this user is an approved member of (cached on the user object for the request)."""
    if not user.is_authenticated:
        return set()
    return usercache.cached(user, "approved_sector_ids", lambda: set(
        Membership.objects.approved().filter(user=user).values_list("sector_id", flat=True)))


def is_approved_member(user) -> bool:
    """An approved member of at least one sector: may use the cross-sector Hub forum and the live feed."""
    return bool(approved_sector_ids(user))


def is_member_of(user, sector: Sector) -> bool:
    return sector.pk in approved_sector_ids(user)


def sectors_led(user) -> QuerySet[Sector]:
    """The sectors whose applications this user decides."""
    if not user.is_authenticated:
        return Sector.objects.none()
    if user.is_superuser:
        return Sector.objects.all()
    return roles.objects_in_scope(user, "sectors.manage_membership", Sector)


def led_sector_ids(user) -> set[int]:
    """The sectors this user leads (cached on the user object for the request)."""
    if not user.is_authenticated:
        return set()
    return usercache.cached(user, "led_sector_ids", lambda: set(sectors_led(user).values_list("pk", flat=True)))


def is_sector_lead(user) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(led_sector_ids(user)))


def can_manage_membership(user, sector: Sector) -> bool:
    """Sector leads of this sector and administrators approve, refuse and suspend its members."""
    return user.is_authenticated and (user.is_superuser or sector.pk in led_sector_ids(user))


def can_decide(user, membership: Membership) -> bool:
    """A lead of the membership's sector, deciding on someone else (administrators decide on anyone)."""
    if not can_manage_membership(user, membership.sector):
        return False
    return membership.user_id != user.pk or user.is_superuser


def can_view_sector(user, sector: Sector) -> bool:
    """A sector's page (who is in it) is for its approved members, its leads and officers."""
    return is_member_of(user, sector) or can_manage_membership(user, sector) or roles.is_officer(user)


def viewable_sector_ids(user, sectors) -> set[int]:
    """Of these sectors, the ones whose page the user may open: ``can_view_sector`` for a whole list at once."""
    return {sector.pk for sector in sectors if can_view_sector(user, sector)}


def can_view_organisation(user, organisation: Organisation) -> bool:
    """Its own people, officers, leads of a sector it applied to, and members sharing an approved sector."""
    if not user.is_authenticated:
        return False
    if roles.is_officer(user) or (user.organisation_id == organisation.pk and is_approved_member(user)):
        return True
    memberships = Membership.objects.filter(user__organisation=organisation)
    if memberships.filter(sector__in=sectors_led(user)).exists():
        return True
    return memberships.approved().filter(sector_id__in=approved_sector_ids(user)).exists()


def can_edit_organisation(user, organisation: Organisation) -> bool:
    """Its people, once a sector lead has approved them: claiming an organisation when applying gives nothing."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or (user.organisation_id == organisation.pk and is_approved_member(user))


def can_apply(user) -> bool:
    """Applying needs a verified e-mail address: the lead must be able to reach the applicant."""
    return user.is_authenticated and user.has_verified_email


# Loaders -----------------------------------------------------------------------------------------------------


def require_verified_email(user) -> None:
    if not can_apply(user):
        raise PermissionDenied("Verify your e-mail address before applying: we sent you a link when you signed up.")


def access_sector(user, slug: str) -> Sector:
    sector = get_object_or_404(Sector.objects.select_related("forum"), slug=slug)
    if not can_view_sector(user, sector):
        raise PermissionDenied("Only the sector's approved members can see who is in it.")
    return sector


def access_membership_decision(user, pk: int) -> Membership:
    """The membership a lead is about to decide on."""
    membership = get_object_or_404(Membership.objects.select_related("sector", "user__organisation"), pk=pk)
    if not can_manage_membership(user, membership.sector):
        raise PermissionDenied("Only this sector's leads decide on its members.")
    if not can_decide(user, membership):
        raise PermissionDenied("Another lead or an administrator decides on your own membership.")
    return membership


def access_organisation(user, queryset: QuerySet[Organisation], pk: int) -> Organisation:
    """404 rather than 403: whether an organisation exists is itself for its people and their sectors."""
    organisation = get_object_or_404(queryset, pk=pk)
    if not can_view_organisation(user, organisation):
        raise Http404("No such organisation.")
    return organisation


def access_organisation_for_edit(user, pk: int) -> Organisation:
    organisation = get_object_or_404(Organisation, pk=pk)
    if not can_edit_organisation(user, organisation):
        raise PermissionDenied("Only the organisation's own people can edit its profile.")
    return organisation
