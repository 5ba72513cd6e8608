"""Reads the bridge pages and services share: who a call invites, the lists of calls, RSVP counts."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts import roles
from messaging.bridge.models import BridgeCall, Invitation
from messaging.bulletins.models import Bulletin
from sectors.models import Membership
from sectors.selectors import bridge_representatives

User = get_user_model()


@dataclass(frozen=True)
class Invitee:
    """One seat of a call: the person invited, as which sector's representative (None: named by the officer), and
    the deputy copied on their invitation."""

    user: object
    sector_id: int | None
    deputy: object | None


def officers() -> QuerySet:
    """The people who may chair a call: active police liaison officers (and superusers)."""
    group = Group.objects.filter(name=roles.OFFICERS, user=OuterRef("pk"))
    return User.objects.filter(is_active=True).filter(Exists(group) | Q(is_superuser=True)).order_by(
        "display_name", "pk")


def approved_members() -> QuerySet:
    """Active people approved in at least one sector: the only people a call may name or take as a delegate."""
    return User.objects.filter(is_active=True, pk__in=Membership.objects.approved().values("user_id"))


def organisation_members(organisation_id: int | None, *, exclude: Iterable[int] = ()) -> QuerySet:
    """The approved, active people of one organisation: whom an invitee may send in their place."""
    if organisation_id is None:
        return User.objects.none()
    return approved_members().filter(organisation_id=organisation_id).exclude(pk__in=list(exclude)).order_by(
        "display_name", "pk")


def plan_invitees(sector_ids: Iterable[int], borough_ids: Iterable[int] | None = None,
                  named: Iterable = ()) -> list[Invitee]:
    """Who a call with these choices invites, one seat per person: the sectors' representatives (a person who
    represents two chosen sectors is invited once, for the first by name), then the named members not already
    invited as representatives."""
    seats: dict[int, Invitee] = {}
    for rep in bridge_representatives(sector_ids, borough_ids):
        if rep.user_id not in seats:
            deputy = rep.deputy if rep.deputy is not None and rep.deputy_id != rep.user_id else None
            seats[rep.user_id] = Invitee(user=rep.user, sector_id=rep.sector_id, deputy=deputy)
    for person in named:
        if person.pk not in seats:
            seats[person.pk] = Invitee(user=person, sector_id=None, deputy=None)
    return list(seats.values())


def published_notices() -> QuerySet[Bulletin]:
    """The pre-planning notices a call may be for: published and standing (not withdrawn or superseded)."""
    return Bulletin.objects.filter(kind=Bulletin.Kind.PRE_PLANNING, status=Bulletin.Status.PUBLISHED)


def with_own_invitation(calls: QuerySet[BridgeCall], user) -> QuerySet[BridgeCall]:
    """Each call with ``own_invitations``: the viewer's invitations to it (as invitee, deputy or delegate)."""
    if not user.is_authenticated:
        return calls
    own = Invitation.objects.filter(Q(user=user) | Q(deputy=user) | Q(delegate=user))
    return calls.prefetch_related(Prefetch("invitations", queryset=own, to_attr="own_invitations"))


def upcoming_calls(calls: QuerySet[BridgeCall], now: datetime | None = None) -> QuerySet[BridgeCall]:
    """Calls that have not ended (cancelled ones too, marked), soonest first."""
    return calls.filter(ends_at__gt=now or timezone.now()).select_related("incident", "bulletin", "chair").order_by(
        "starts_at", "pk")


def past_calls(calls: QuerySet[BridgeCall], now: datetime | None = None) -> QuerySet[BridgeCall]:
    """Calls that have ended, latest first."""
    return calls.filter(ends_at__lte=now or timezone.now()).select_related("incident", "bulletin", "chair").order_by(
        "-starts_at", "-pk")


def response_counts(call: BridgeCall) -> dict[str, int]:
    """How many invitations stand at each answer, and in all: one query."""
    rows = call.invitations.order_by().values("response").annotate(n=Count("pk")).values_list("response", "n")
    counts = {value: 0 for value in Invitation.Response.values}
    counts.update(dict(rows))
    counts["total"] = sum(counts[value] for value in Invitation.Response.values)
    return counts


def invitations_of(call: BridgeCall) -> QuerySet[Invitation]:
    """A call's invitations with everything an ICS or an e-mail names."""
    return call.invitations.select_related("user", "deputy", "delegate", "sector").order_by("pk")


def answerable_invitation(user, call: BridgeCall) -> Invitation | None:
    """The invitation this person may answer on this call: their own, else the one they are deputy for."""
    if not user.is_authenticated:
        return None
    candidates = list(call.invitations.select_related("user", "delegate").filter(Q(user=user) | Q(deputy=user)))
    return next((item for item in candidates if item.user_id == user.pk), candidates[0] if candidates else None)
