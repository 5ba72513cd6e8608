"""Reads that several views share."""

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet

from messaging.bulletins.models import Bulletin, Delivery


def inbox_for(user, *, kind: str = "", severity: str = "") -> QuerySet:
    """The user's deliveries, unread first then newest, with their bulletins: one query per page."""
    deliveries = Delivery.objects.filter(user=user, bulletin__published_at__isnull=False).select_related("bulletin")
    if kind:
        deliveries = deliveries.filter(bulletin__kind=kind)
    if severity:
        deliveries = deliveries.filter(bulletin__severity=severity)
    is_read = ExpressionWrapper(Q(read_at__isnull=False), output_field=BooleanField())
    return deliveries.annotate(is_read=is_read).order_by("is_read", "-bulletin__published_at", "-pk")


def unread_count(user) -> int:
    return Delivery.objects.filter(user=user, read_at__isnull=True, bulletin__published_at__isnull=False).count()


def officer_bulletins() -> QuerySet:
    """Every bulletin with its reach, read and acknowledged counts, in one query."""
    return Bulletin.objects.select_related("author", "incident").annotate(
        read=Count("deliveries", filter=Q(deliveries__read_at__isnull=False)),
        acknowledged=Count("deliveries", filter=Q(deliveries__acknowledged_at__isnull=False)),
    )


def timeline(incident) -> QuerySet:
    return incident.updates.published().select_related("author").order_by("-published_at", "-pk")
