"""Who may see and decide what about sectors, memberships and organisations: the one place sectors views ask.

Rules answer yes or no (``can_*``, ``is_*``); loaders (``access_*``) fetch an object, check the rule and raise
404 or 403 in one step, so a view never holds an object it may not use.
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts import roles
from common import usercache
from sectors.models import (
    BridgeRepresentative,
    Membership,
    Organisation,
    OrganisationAdministrator,
    OrganisationJoinRequest,
    Sector,
)


def approved_sector_ids(user) -> set[int]:
    """The sectors this user is an approved member of (cached on the user object for the request)."""
    if not user.is_authenticated:
        return set()
    return usercache.cached(user, "approved_sector_ids", lambda: set(
        Membership.objects.approved().filter(user=user).values_list("sector_id", flat=True)))


def remember_approved_sectors(user, memberships: Iterable[Membership]) -> None:
    """A page that has just read all of the user's memberships tells approved_sector_ids the answer, so that the
    permission checks after it do not ask the database again."""
    usercache.cached(user, "approved_sector_ids", lambda: {
        membership.sector_id for membership in memberships if membership.status == Membership.Status.APPROVED})


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


def can_manage_representatives(user, sector: Sector) -> bool:
    """Who names a sector's bridge representatives and their deputies: its leads and administrators."""
    return can_manage_membership(user, sector)


def can_view_representatives(user, sector: Sector) -> bool:
    """The lead's representatives page: its leads, administrators, and officers (who invite them to calls)."""
    return can_manage_representatives(user, sector) or roles.is_officer(user)


def can_view_sector(user, sector: Sector) -> bool:
    """A sector's page (who is in it) is for its approved members, its leads and officers."""
    return is_member_of(user, sector) or can_manage_membership(user, sector) or roles.is_officer(user)


def viewable_sector_ids(user, sectors) -> set[int]:
    """Of these sectors, the ones whose page the user may open: ``can_view_sector`` for a whole list at once."""
    return {sector.pk for sector in sectors if can_view_sector(user, sector)}


def can_view_organisation(user, organisation: Organisation) -> bool:
    """Its own people (approved or still applying: what they registered is theirs to read), officers, leads of a
    sector it applied to, and members sharing an approved sector."""
    if not user.is_authenticated:
        return False
    if roles.is_officer(user) or user.organisation_id == organisation.pk:
        return True
    memberships = Membership.objects.filter(user__organisation=organisation)
    if memberships.filter(sector__in=sectors_led(user)).exists():
        return True
    return memberships.approved().filter(sector_id__in=approved_sector_ids(user)).exists()


def administered_organisation_id(user) -> int | None:
    """The organisation this user administers, if any (cached on the user object for the request).

    An administrator is one of its own people (User.organisation), named in OrganisationAdministrator, and an
    approved member of at least one sector: a stale row (the person left) or a suspended person counts for nothing.
    """
    if not user.is_authenticated or not user.organisation_id:
        return None

    def compute() -> int | None:
        if not is_approved_member(user):
            return None
        named = OrganisationAdministrator.objects.filter(organisation_id=user.organisation_id, user=user).exists()
        return user.organisation_id if named else None

    return usercache.cached(user, "administered_organisation_id", compute)


def is_organisation_administrator(user, organisation: Organisation) -> bool:
    return administered_organisation_id(user) == organisation.pk


def can_edit_organisation(user, organisation: Organisation) -> bool:
    """Its own approved administrators, and superusers. Belonging to it, or claiming it by name, gives nothing."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or is_organisation_administrator(user, organisation)


def organisation_sector_ids(organisation: Organisation) -> set[int]:
    """The sectors an organisation belongs to: those where at least one of its people is an approved member."""
    return set(Membership.objects.approved().filter(user__organisation=organisation)
               .order_by().values_list("sector_id", flat=True).distinct())


def can_decide_join(user, join_request: OrganisationJoinRequest) -> bool:
    """The organisation's approved administrators, a lead of a sector it belongs to, or a superuser; never the
    person asking (a superuser aside, as for memberships)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if join_request.user_id == user.pk:
        return False
    if is_organisation_administrator(user, join_request.organisation):
        return True
    led = led_sector_ids(user)
    return bool(led) and bool(led & organisation_sector_ids(join_request.organisation))


def join_requests_decidable_by(user) -> QuerySet[OrganisationJoinRequest]:
    """``can_decide_join`` as a query: the pending requests this user may decide on."""
    pending = OrganisationJoinRequest.objects.pending()
    if not user.is_authenticated:
        return pending.none()
    if user.is_superuser:
        return pending
    deciding = Q(organisation_id__in=Membership.objects.approved().filter(sector_id__in=led_sector_ids(user))
                 .values("user__organisation_id"))
    administered = administered_organisation_id(user)
    if administered is not None:
        deciding |= Q(organisation_id=administered)
    return pending.filter(deciding).exclude(user=user)


def can_review_join_requests(user) -> bool:
    """Who has a join-request page at all: administrators of an organisation, sector leads, superusers."""
    return is_sector_lead(user) or administered_organisation_id(user) is not None


def pending_join_request(user) -> OrganisationJoinRequest | None:
    """The user's request to join an organisation that is still waiting, if any (cached for the request)."""
    if not user.is_authenticated:
        return None
    return usercache.cached(user, "pending_join_request", lambda: (
        OrganisationJoinRequest.objects.pending().filter(user=user).select_related("organisation").first()))


def can_name_organisation(user) -> bool:
    """A verified person with no request waiting may join or register an organisation: one with none, or one who
    is not (or no longer) an approved member of any sector and so may still change theirs (a refusal may say the
    organisation is the problem). An approved member's organisation is its administrators' business."""
    if not can_apply(user) or pending_join_request(user) is not None:
        return False
    return not user.organisation_id or not is_approved_member(user)


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


def access_representatives(user, slug: str, *, manage: bool = False) -> Sector:
    """The sector whose bridge representatives the user is about to see (or, with ``manage``, change)."""
    sector = get_object_or_404(Sector, slug=slug)
    if manage and not can_manage_representatives(user, sector):
        raise PermissionDenied("Only this sector's leads name its bridge representatives.")
    if not can_view_representatives(user, sector):
        raise PermissionDenied("Only this sector's leads and officers see its bridge representatives page.")
    return sector


def access_representative(user, slug: str, pk: int) -> BridgeRepresentative:
    """One of the sector's bridge representatives, whom its lead is about to change or remove."""
    sector = access_representatives(user, slug, manage=True)
    return get_object_or_404(BridgeRepresentative.objects.select_related("sector", "user", "deputy"),
                             pk=pk, sector=sector)


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
    """The organisation its administrator is about to change (profile, people, administrators)."""
    organisation = get_object_or_404(Organisation, pk=pk)
    if not can_edit_organisation(user, organisation):
        raise PermissionDenied("Only the organisation's administrators can change it.")
    return organisation


def access_organisation_person(user, pk: int, person_pk: int) -> tuple[Organisation, object]:
    """An organisation its administrator manages, and one of its people."""
    organisation = access_organisation_for_edit(user, pk)
    person = get_object_or_404(get_user_model(), pk=person_pk, organisation=organisation)
    return organisation, person


def access_join_decision(user, pk: int) -> OrganisationJoinRequest:
    """The join request an administrator or lead is about to decide on."""
    join_request = get_object_or_404(OrganisationJoinRequest.objects.select_related("user", "organisation"), pk=pk)
    if not can_decide_join(user, join_request):
        raise PermissionDenied("Only the organisation's administrators, or a lead of a sector it belongs to, "
                               "decide who joins it.")
    return join_request


def require_can_name_organisation(user) -> None:
    require_verified_email(user)
    if user.organisation_id and is_approved_member(user):
        raise PermissionDenied("You represent an organisation as an approved member: its administrators decide "
                               "who represents it, and can remove you from it if you have moved on.")
    if pending_join_request(user) is not None:
        raise PermissionDenied("Your request to join an organisation is still waiting for its decision.")
