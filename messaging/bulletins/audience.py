"""Who may see a bulletin: the audience rule, and the only module that knows it.

The rule: a bulletin reaches the active, approved members of its sectors (of every sector when it is for
``everyone``); when it names boroughs, only those of them whose organisation has premises in one of those
boroughs; and the active, approved members (of any sector) it names (``Bulletin.named_recipients``: a bridge
call's summary for its invitees only), whatever their boroughs. Officers see every bulletin, addressed to them
or not. An incident's audience follows the same rule, with "no sectors" meaning everyone (its updates are
published that way).

It has two faces that must always agree (tests/bulletins/test_audience.py proves it on random data):

- the query face, for the database: ``recipients`` (who a publish creates Delivery rows for),
  ``visible_bulletins`` and ``visible_incidents`` (what a user may open), ``still_entitled`` (who the e-mail
  workers may still write to);
- the in-memory face, for a live socket that must decide without a query per message: an ``Audience`` built
  from a bulletin travels in the channel-layer message, a ``Reach`` is loaded once per socket (and again when
  the user's access changes), and ``reach.receives(audience)`` decides.

A published bulletin's readers are fixed by its Delivery rows, written when it is published: a member who
joins a sector later does not see what was sent before, and one who leaves keeps their inbox (but gets no
more e-mail and no live pushes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from accounts import roles
from accounts.models import User
from messaging.bulletins.models import Bulletin, Delivery, Incident
from sectors.models import Borough, Membership
from sectors.permissions import approved_sector_ids


def audience_prefetch() -> tuple[Any, ...]:
    """What to prefetch with bulletins for ``Audience.of``: their sectors, boroughs and named people's ids."""
    return "sectors", "boroughs", Prefetch("named_recipients", queryset=User.objects.only("pk"))


def _ids(objects: Iterable[Any]) -> frozenset[int]:
    return frozenset(getattr(item, "pk", item) for item in objects)


@dataclass(frozen=True)
class Audience:
    """Whom a bulletin is addressed to: everyone, or sectors, narrowed to boroughs when any are named; plus the
    people it names."""

    everyone: bool
    sector_ids: frozenset[int]
    borough_ids: frozenset[int]
    user_ids: frozenset[int] = frozenset()

    @classmethod
    def chosen(cls, *, everyone: bool, sectors: Iterable[Any] = (), boroughs: Iterable[Any] = (),
               people: Iterable[Any] = ()) -> Audience:
        """From the choices on a form or a service call: model instances or their ids."""
        return cls(everyone=bool(everyone), sector_ids=_ids(sectors), borough_ids=_ids(boroughs),
                   user_ids=_ids(people))

    @classmethod
    def of(cls, bulletin: Bulletin) -> Audience:
        """A bulletin's audience (uses its prefetched sectors, boroughs and named recipients when there are any)."""
        return cls.chosen(everyone=bulletin.everyone, sectors=bulletin.sectors.all(), boroughs=bulletin.boroughs.all(),
                          people=bulletin.named_recipients.all())

    @classmethod
    def of_incident(cls, incident: Incident) -> Audience:
        """The audience of an incident's updates: its sectors (none means everyone) and boroughs."""
        sector_ids = _ids(incident.sectors.all())
        return cls(everyone=not sector_ids, sector_ids=sector_ids, borough_ids=_ids(incident.boroughs.all()))

    def as_message(self) -> dict[str, Any]:
        """For the channel layer's message, which must be plain JSON-like data (msgpack on Redis)."""
        return {"everyone": self.everyone, "sectors": sorted(self.sector_ids), "boroughs": sorted(self.borough_ids),
                "people": sorted(self.user_ids)}

    @classmethod
    def from_message(cls, data: dict[str, Any]) -> Audience:
        return cls.chosen(everyone=data["everyone"], sectors=data["sectors"], boroughs=data["boroughs"],
                          people=data.get("people", ()))


@dataclass(frozen=True)
class Reach:
    """One user's side of the rule, loaded once (``reach_of``) so that a socket decides without a query."""

    is_officer: bool
    sector_ids: frozenset[int]
    borough_ids: frozenset[int]
    user_id: int | None = None

    def is_addressed_by(self, audience: Audience) -> bool:
        """Is this user among the audience's recipients? The in-memory twin of ``recipients``."""
        if not self.sector_ids:
            return False  # "everyone" means every approved member, so a member of no sector is not in it
        if self.user_id is not None and self.user_id in audience.user_ids:
            return True
        if not audience.everyone and not self.sector_ids & audience.sector_ids:
            return False
        return not audience.borough_ids or bool(self.borough_ids & audience.borough_ids)

    def receives(self, audience: Audience) -> bool:
        """Does a bulletin with this audience reach this user live? Officers see every bulletin."""
        return self.is_officer or self.is_addressed_by(audience)


NOBODY = Reach(is_officer=False, sector_ids=frozenset(), borough_ids=frozenset())


def reach_of(user) -> Reach:
    """The user's reach now: their role, approved sectors and organisation's boroughs (three queries at most;
    the role and sectors are cached on the user object, so drop that cache first to re-read a changed user)."""
    if not user.is_authenticated or not user.is_active:
        return NOBODY
    borough_ids = frozenset(
        Borough.objects.filter(organisations=user.organisation_id).values_list("pk", flat=True)
    ) if user.organisation_id else frozenset()
    return Reach(is_officer=roles.is_officer(user), sector_ids=frozenset(approved_sector_ids(user)),
                 borough_ids=borough_ids, user_id=user.pk)


# The query face ----------------------------------------------------------------------------------------------


def recipients(audience: Audience) -> QuerySet[User]:
    """The users a bulletin with this audience is published to (one Delivery each)."""
    approved = Membership.objects.approved().filter(user__is_active=True)
    memberships = approved if audience.everyone else approved.filter(sector__in=audience.sector_ids)
    users = User.objects.filter(pk__in=memberships.values("user_id"))
    if audience.borough_ids:
        users = users.filter(organisation__boroughs__in=audience.borough_ids)
    if audience.user_ids:
        named = User.objects.filter(pk__in=audience.user_ids).filter(pk__in=approved.values("user_id"))
        users = User.objects.filter(Q(pk__in=users.values("pk")) | Q(pk__in=named.values("pk")))
    return users.distinct()


def visible_bulletins(user) -> QuerySet[Bulletin]:
    """Officers see every bulletin (drafts too); members the published ones that were delivered to them."""
    if not user.is_authenticated or not user.is_active:
        return Bulletin.objects.none()
    if roles.is_officer(user):
        return Bulletin.objects.all()
    return Bulletin.objects.published().filter(deliveries__user=user)


def visible_incidents(user) -> QuerySet[Incident]:
    """Officers see every incident; members those whose audience they are in (the bulletin rule, with no
    sectors meaning everyone), whether or not an update has been published yet."""
    if not user.is_authenticated or not user.is_active:
        return Incident.objects.none()
    if roles.is_officer(user):
        return Incident.objects.all()
    sector_ids = approved_sector_ids(user)
    if not sector_ids:
        return Incident.objects.none()
    # The organisation's premises as a subquery, not read first (reach_of does): one query less on every page
    # that lists incidents.
    premises = (Borough.objects.filter(organisations=user.organisation_id) if user.organisation_id
                else Borough.objects.none()).values("pk")
    in_sectors = Incident.objects.filter(Q(sectors__in=sector_ids) | Q(sectors__isnull=True))
    in_boroughs = Incident.objects.filter(Q(boroughs__in=premises) | Q(boroughs__isnull=True))
    return Incident.objects.filter(pk__in=in_sectors.values("pk")).filter(pk__in=in_boroughs.values("pk"))


def still_entitled(deliveries: QuerySet[Delivery]) -> QuerySet[Delivery]:
    """The deliveries whose recipient may still read bulletins: active, and an approved member or an officer.
    Someone suspended or deactivated after the publish gets no e-mail (their inbox row stays)."""
    approved = Membership.objects.approved().filter(user=OuterRef("user"))
    officer = Group.objects.filter(name=roles.OFFICERS, user=OuterRef("user"))
    return deliveries.filter(user__is_active=True).filter(
        Exists(approved) | Exists(officer) | Q(user__is_superuser=True)
    )
