"""Who may see and do what with bulletins and incidents: the one place views ask."""

from django.db.models import Q, QuerySet

from accounts import roles
from messaging.bulletins.models import Bulletin, Delivery, Incident
from sectors.permissions import approved_sector_ids, is_approved_member


def can_publish(user) -> bool:
    """Composing, publishing, incidents and delivery reports are the police liaison officers' work."""
    return roles.is_officer(user)


def can_read_bulletins(user) -> bool:
    return roles.is_officer(user) or is_approved_member(user)


def visible_bulletins(user) -> QuerySet:
    """Officers see every bulletin; members only the published ones addressed to them."""
    if roles.is_officer(user):
        return Bulletin.objects.all()
    return Bulletin.objects.published().filter(deliveries__user=user)


def delivery_for(user, bulletin: Bulletin) -> Delivery | None:
    return Delivery.objects.filter(bulletin=bulletin, user=user).first() if user.is_authenticated else None


def visible_incidents(user) -> QuerySet:
    """Officers see all incidents; members those touching one of their sectors, or addressed to everyone."""
    if roles.is_officer(user):
        return Incident.objects.all()
    sector_ids = approved_sector_ids(user)
    if not sector_ids:
        return Incident.objects.none()
    # The same rule as a bulletin's audience: the sectors, then (if any) the boroughs of one's premises.
    borough_ids = list(user.organisation.boroughs.values_list("pk", flat=True)) if user.organisation_id else []
    in_sectors = Incident.objects.filter(Q(sectors__in=sector_ids) | Q(sectors__isnull=True))
    in_boroughs = Incident.objects.filter(Q(boroughs__in=borough_ids) | Q(boroughs__isnull=True))
    return Incident.objects.filter(pk__in=in_sectors.values("pk")).filter(pk__in=in_boroughs.values("pk"))
