"""Reads for the sectors pages; each returns a queryset whose cost does not grow with the rows shown."""

import logging
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from common import usercache
from sectors import permissions
from sectors.models import (
    BridgeRepresentative,
    Membership,
    Organisation,
    OrganisationAdministrator,
    OrganisationJoinRequest,
    Sector,
)


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
    # What a lead weighs on each card: where the organisation has premises, its website, and whether it is new
    # to the Hub (none of its people approved in any sector yet) or already vouched for by another lead.
    established = Membership.objects.approved().filter(user__organisation=OuterRef("user__organisation"))
    queue = (queue.select_related("sector", "user__organisation", "decided_by")
             .annotate(organisation_established=Exists(established))
             .prefetch_related("user__organisation__boroughs").order_by(ordering, "pk"))
    return memberships_with_join_requests(queue)


def waiting_by_sector(sectors: QuerySet[Sector]) -> dict[int, int]:
    """How many applications wait in each of these sectors (those with none are absent): one query."""
    rows = (Membership.objects.pending().filter(sector__in=sectors).order_by()
            .values("sector_id").annotate(waiting=Count("pk")).values_list("sector_id", "waiting"))
    return dict(rows)


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


def _approved_in_sector(user_field: str) -> Exists:
    """The person in ``user_field`` of a bridge representative row is an active, approved member of its sector."""
    return Exists(Membership.objects.approved().filter(sector=OuterRef("sector"), user=OuterRef(user_field),
                                                       user__is_active=True))


def bridge_representatives(sector_ids: Iterable, borough_ids: Iterable | None = None) -> list[BridgeRepresentative]:
    """The bridge representatives who count now in these sectors (ids, or Sector objects), for invitations.

    A representative counts while they are an active, approved member of the sector; one suspended (or whose
    account is deactivated) is left out, and is back once reinstated. Each row has ``user`` (with
    ``organisation``), ``sector`` and ``deputy`` loaded; ``deputy`` is None when the deputy no longer counts in
    the sector the same way. ``borough_ids`` (ids or Borough objects) keeps only the representatives whose
    organisation has premises in one of them; None, or an empty list, keeps everyone. One query, whatever the
    number of rows; ordered by sector, then by appointment.

    The rows are for reading: one whose deputy was left out has ``deputy`` set to None in memory only, so it must
    not be saved.
    """
    sector_ids = list(sector_ids)
    if not sector_ids:
        return []
    rows = (BridgeRepresentative.objects.filter(sector__in=sector_ids)
            .filter(_approved_in_sector("user"))
            .annotate(deputy_counts=_approved_in_sector("deputy"))
            .select_related("user__organisation", "sector", "deputy__organisation"))
    borough_ids = list(borough_ids) if borough_ids is not None else []
    if borough_ids:
        premises = Organisation.boroughs.through.objects.filter(organisation=OuterRef("user__organisation"),
                                                                borough__in=borough_ids)
        rows = rows.filter(Exists(premises))
    representatives = list(rows.order_by("sector__name", "appointed_at", "pk"))
    for representative in representatives:
        if representative.deputy_id is not None and not representative.deputy_counts:
            representative.deputy = None
    return representatives


def sector_representatives(sector: Sector) -> QuerySet[BridgeRepresentative]:
    """All of a sector's bridge representatives for its lead's page, those who no longer count included (marked
    ``counts`` and ``deputy_counts``), so the lead sees who to replace. At most the limit's rows: one query."""
    return (BridgeRepresentative.objects.filter(sector=sector)
            .annotate(counts=_approved_in_sector("user"), deputy_counts=_approved_in_sector("deputy"))
            .select_related("user__organisation", "deputy__organisation", "appointed_by")
            .order_by("appointed_at", "pk"))


REPRESENTATIVE_CANDIDATES_SHOWN = 50


def representative_candidates(sector: Sector, query: str = "") -> QuerySet:
    """The active, approved members of the sector (who may be named representatives or deputies), by name,
    narrowed to those whose name, e-mail or organisation contains ``query``."""
    people = (get_user_model().objects.filter(is_active=True, memberships__sector=sector,
                                              memberships__status=Membership.Status.APPROVED)
              .select_related("organisation").order_by("display_name", "email", "pk"))
    query = query.strip()
    if query:
        people = people.filter(Q(display_name__icontains=query) | Q(email__icontains=query)
                               | Q(organisation__name__icontains=query))
    return people


def pending_application_count(sectors: QuerySet[Sector]) -> int:
    return Membership.objects.pending().filter(sector__in=sectors).count()


logger = logging.getLogger(__name__)

WAITING_GENERATION = "sectors:waiting:generation"
WAITING_TTL = 60  # seconds: bounds how long a change made outside the services (the admin, a deletion) shows late


def waiting_changed() -> None:
    """Applications were made or decided: every lead's cached count is stale (called after the commit)."""
    try:
        cache.incr(WAITING_GENERATION)
    except ValueError:  # no generation yet (or the cache was emptied)
        cache.add(WAITING_GENERATION, 1)


def waiting_for_lead(user, known: int | None = None) -> int:
    """The applications waiting in the sectors this user leads (all of them for a superuser): the navigation's
    count on every page a lead opens. Kept in the cache until an application is made or decided
    (``waiting_changed``), so pages do not pay a query for it; a page that has counted them already passes
    ``known``."""

    def query() -> int:
        pending = Membership.objects.pending()
        if not user.is_superuser:  # the led sectors as a subquery: one query, not two
            pending = pending.filter(sector__in=permissions.sectors_led(user))
        return pending.count()

    def count() -> int:
        try:
            key = f"sectors:waiting:{user.pk}:{cache.get(WAITING_GENERATION, 0)}"
            waiting = known if known is not None else cache.get(key)
            if waiting is None:
                waiting = query()
            cache.set(key, waiting, WAITING_TTL)
        except Exception:  # a cache outage costs a query, never the page
            logger.warning("The leads' waiting count could not use the cache", exc_info=True)
            waiting = known if known is not None else query()
        return waiting

    return usercache.cached(user, "lead_waiting", count)


def waiting_on_others(user) -> dict:
    """What a person who cannot use the members' pages yet is waiting for, and on whom: their applications
    still with a sector lead (oldest first) and their request to join an organisation, if any."""
    return {"applications": list(Membership.objects.pending().filter(user=user).select_related("sector")
                                 .order_by("applied_at", "pk")),
            "join_request": permissions.pending_join_request(user)}
