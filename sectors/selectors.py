"""Reads for the sectors pages; each returns a queryset whose cost does not grow with the rows shown."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from sectors import permissions
from sectors.models import Membership, Organisation, OrganisationAdministrator, OrganisationJoinRequest, Sector


def sector_directory() -> QuerySet[Sector]:
    return Sector.objects.annotate(
        member_count=Count("memberships", filter=Q(memberships__status=Membership.Status.APPROVED))
    )


def organisations_in(sector: Sector) -> QuerySet[Organisation]:
    """Organisations with at least one approved member in the sector, with those members."""
    approved = Membership.objects.approved().filter(sector=sector)
    return (
        Organisation.objects.filter(people__memberships__in=approved)
        .distinct()
        .prefetch_related("boroughs")
    )


def memberships_of(user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("sector", "decided_by").order_by("sector__name")


def memberships_with_join_requests(memberships: QuerySet[Membership]) -> QuerySet[Membership]:
    """Each membership's user with their waiting request to join an organisation (``user.pending_joins``)."""
    pending = OrganisationJoinRequest.objects.pending().select_related("organisation")
    return memberships.prefetch_related(Prefetch("user__organisation_requests", queryset=pending,
                                                 to_attr="pending_joins"))


def application_queue(sectors: QuerySet[Sector], *, status: str, sector: Sector | None = None) -> QuerySet[Membership]:
    """Memberships in the given sectors with a status; pending ones oldest first so none waits for ever."""
    queue = Membership.objects.filter(sector__in=sectors, status=status)
    if sector is not None:
        queue = queue.filter(sector=sector)
    ordering = "applied_at" if status == Membership.Status.APPLIED else "-decided_at"
    return memberships_with_join_requests(
        queue.select_related("sector", "user__organisation", "decided_by").order_by(ordering, "pk"))


def organisation_profile() -> QuerySet[Organisation]:
    """Organisations with their premises and ``pending_join_count`` (shown to their administrators only)."""
    waiting = Q(join_requests__status=OrganisationJoinRequest.Status.PENDING)
    return Organisation.objects.annotate(pending_join_count=Count("join_requests", filter=waiting)).prefetch_related(
        "boroughs")


def organisation_people(organisation: Organisation):
    """Its people (those whose joining was approved, or who registered it), administrators marked."""
    administrators = OrganisationAdministrator.objects.filter(organisation=organisation, user=OuterRef("pk"))
    return (get_user_model().objects.filter(organisation=organisation)
            .annotate(is_administrator=Exists(administrators)).order_by("display_name", "pk"))


def organisation_sectors(organisation: Organisation) -> QuerySet[Sector]:
    """The sectors it belongs to: those where one of its people is an approved member."""
    return Sector.objects.filter(pk__in=Membership.objects.approved().filter(user__organisation=organisation)
                                 .values("sector_id"))


def join_requests_to_decide(user) -> QuerySet[OrganisationJoinRequest]:
    """The waiting requests to join an organisation this user may decide on, oldest first."""
    return (permissions.join_requests_decidable_by(user).select_related("user", "organisation")
            .order_by("requested_at", "pk"))


def latest_join_request(user) -> OrganisationJoinRequest | None:
    """What the user last asked to join (pending, or the latest decision), for their own pages."""
    return (OrganisationJoinRequest.objects.filter(user=user).select_related("organisation")
            .order_by("-requested_at", "-pk").first())


def pending_application_count(sectors: QuerySet[Sector]) -> int:
    return Membership.objects.pending().filter(sector__in=sectors).count()
