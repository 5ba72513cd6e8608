"""Reads for the sectors pages; each returns a queryset whose cost does not grow with the rows shown."""

from django.db.models import Count, Prefetch, Q, QuerySet

from sectors.models import Membership, Organisation, Sector


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


def application_queue(sectors: QuerySet[Sector], *, status: str, sector: Sector | None = None) -> QuerySet[Membership]:
    """Memberships in the given sectors with a status; pending ones oldest first so none waits for ever."""
    queue = Membership.objects.filter(sector__in=sectors, status=status)
    if sector is not None:
        queue = queue.filter(sector=sector)
    ordering = "applied_at" if status == Membership.Status.APPLIED else "-decided_at"
    return queue.select_related("sector", "user__organisation", "decided_by").order_by(ordering, "pk")


def organisation_profile() -> QuerySet[Organisation]:
    return Organisation.objects.prefetch_related(
        "boroughs",
        Prefetch("people__memberships", queryset=Membership.objects.approved().select_related("sector")),
    )


def pending_application_count(sectors: QuerySet[Sector]) -> int:
    return Membership.objects.pending().filter(sector__in=sectors).count()
