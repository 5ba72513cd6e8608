"""What the officers' triage reads: the inbox with its tabs and filters, the navigation's count of new reports,
and the dashboard's new reports in an officer's boroughs.

"Central" officers are those who are no borough's SPOC or deputy (and superusers, who hold no borough): reports
of boroughs without a SPOC go to them, and their counts and lists are every new report, not theirs alone.
"""

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts import roles
from common import usercache
from messaging.police_reports.models import PoliceReport
from sectors.models import BoroughSpoc

logger = logging.getLogger(__name__)

Status = PoliceReport.Status
ROUTED = PoliceReport.routed_to.through
REPORT_BOROUGHS = PoliceReport.boroughs.through

SCOPE_MINE, SCOPE_ALL = "mine", "all"
SCOPES = ((SCOPE_MINE, "Mine"), (SCOPE_ALL, "All reports"))


@dataclass(frozen=True)
class TriageFilter:
    """The inbox's choices, read from the query string (anything unknown falls back to the default)."""

    status: str = Status.NEW
    scope: str = SCOPE_MINE
    borough_id: int | None = None
    kind: str = ""

    def query(self, **changes) -> str:
        """The query string of these choices (with ``changes``), for links and the live part's address."""
        values = {"status": self.status, "scope": self.scope, "borough": self.borough_id or "", "kind": self.kind,
                  **changes}
        return "&".join(f"{key}={value}" for key, value in values.items() if value not in ("", None))


def routed_to_or_assigned(user) -> Q:
    """Routed to the user when it arrived, or assigned to them since: the "mine" of the inbox."""
    routed = Exists(ROUTED.objects.filter(policereport_id=OuterRef("pk"), user_id=user.pk))
    return Q(routed) | Q(assigned_to_id=user.pk)


def triage_reports(user, choices: TriageFilter) -> QuerySet[PoliceReport]:
    """Every report the choices select, whatever its status (the tabs count this, the list narrows it to one).
    The M2M conditions are EXISTS subqueries, so no report is listed (or counted) twice."""
    reports = PoliceReport.objects.all()
    if choices.scope == SCOPE_MINE:
        reports = reports.filter(routed_to_or_assigned(user))
    if choices.borough_id is not None:
        reports = reports.filter(Exists(REPORT_BOROUGHS.objects.filter(policereport_id=OuterRef("pk"),
                                                                       borough_id=choices.borough_id)))
    if choices.kind:
        reports = reports.filter(kind=choices.kind)
    return reports


def status_counts(reports: QuerySet[PoliceReport]) -> dict[str, int]:
    """How many of ``reports`` are in each status, in one query; every status is present."""
    counts = dict.fromkeys(Status.values, 0)
    for row in reports.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


def with_triage_columns(reports: QuerySet[PoliceReport]) -> QuerySet[PoliceReport]:
    """What a row of the inbox shows: author, organisation, assignee (joined) and boroughs (one more query)."""
    return reports.select_related("author", "organisation", "assigned_to").prefetch_related("boroughs")


def assignable_officers() -> QuerySet:
    """Whom a report may be assigned to: active police liaison officers (and superusers), by name."""
    group = Group.objects.filter(name=roles.OFFICERS, user=OuterRef("pk"))
    return get_user_model().objects.filter(is_active=True).filter(Exists(group) | Q(is_superuser=True)).order_by(
        "display_name", "pk")


def _central(user) -> Exists:
    """True (in SQL) when the user is no borough's SPOC or deputy."""
    return ~Exists(BoroughSpoc.objects.filter(officer_id=user.pk))


def new_reports_in(borough_ids: list[int] | None) -> QuerySet[PoliceReport]:
    """The dashboard's list: new reports about these boroughs (the ones an officer is SPOC or deputy for);
    every new report when ``borough_ids`` is None (a central officer)."""
    new = PoliceReport.objects.filter(status=Status.NEW)
    if borough_ids is None:
        return new
    return new.filter(Exists(REPORT_BOROUGHS.objects.filter(policereport_id=OuterRef("pk"),
                                                            borough_id__in=borough_ids)))


def _new_for(user) -> QuerySet[PoliceReport]:
    """The navigation's count: new reports routed to the officer, or every new report for a central officer."""
    routed = Exists(ROUTED.objects.filter(policereport_id=OuterRef("pk"), user_id=user.pk))
    return PoliceReport.objects.filter(status=Status.NEW).filter(Q(routed) | Q(_central(user)))


NEW_REPORTS_GENERATION = "police_reports:new:generation"
NEW_REPORTS_TTL = 60  # seconds: bounds how late a change made outside the signals (a raw update) shows


def new_reports_count(user) -> int:
    """The number beside "Reports" in an officer's navigation on every page: one COUNT, kept in the cache until
    a report is submitted, changes status or is rerouted, or a borough's SPOCs change (``reports_changed``,
    from receivers), and for a minute at most; asked once per request."""

    def count() -> int:
        try:
            key = f"police_reports:new:{user.pk}:{cache.get(NEW_REPORTS_GENERATION, 0)}"
            new = cache.get(key)
            if new is None:
                new = _new_for(user).count()
                cache.set(key, new, NEW_REPORTS_TTL)
        except Exception:  # a cache outage costs a query, never the page
            logger.warning("The new reports count could not use the cache", exc_info=True)
            new = _new_for(user).count()
        return new

    return usercache.cached(user, "new_police_reports", count)


def cached_until_reports_change(name: str, compute):
    """``compute()``'s answer, kept in the cache until any report or SPOC changes (``reports_changed``) and for a
    minute at most: the dashboards' report cards, so that those pages stay within their query bound."""
    try:
        key = f"police_reports:{name}:{cache.get(NEW_REPORTS_GENERATION, 0)}"
        found = cache.get(key)
        if found is None:
            found = compute()
            cache.set(key, found, NEW_REPORTS_TTL)
    except Exception:  # a cache outage costs the queries, never the page
        logger.warning("A dashboard's report card could not use the cache", exc_info=True)
        found = compute()
    return found


def open_reports_of(user, limit: int) -> list:
    """A member's newest open reports (at most ``limit``) for their dashboard."""
    return cached_until_reports_change(f"mine:{user.pk}:{limit}", lambda: list(
        PoliceReport.objects.open().filter(author=user).only("pk", "title", "status", "created_at")
        .order_by("-created_at", "-pk")[:limit]))


def reports_changed() -> None:
    """Reports arrived or moved: every officer's cached count is stale."""
    try:
        cache.incr(NEW_REPORTS_GENERATION)
    except ValueError:  # no generation yet (or the cache was emptied)
        cache.add(NEW_REPORTS_GENERATION, 1)
    except Exception:  # they expire within NEW_REPORTS_TTL anyway
        logger.warning("Could not forget the new reports counts", exc_info=True)
