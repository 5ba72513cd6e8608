"""Reads that views, the live socket and services share. Who may see what is ``audience``'s to say; these
narrow, order and annotate what it allows."""

import logging
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet

from messaging.board.models import Thread
from messaging.board.selectors import readable_forums
from messaging.bulletins.audience import Audience, recipients, visible_bulletins, visible_incidents
from messaging.bulletins.models import Bulletin, Delivery, Feedback, Incident, IncidentThreadLink
from messaging.bulletins.payloads import PAYLOAD_FIELDS, bulletin_payload
from sectors.models import Organisation

logger = logging.getLogger(__name__)

REPLAY_LIMIT = 100


# A user's own deliveries -------------------------------------------------------------------------------------


# Deliveries are written in the transaction that publishes their bulletin (services.publish_bulletin), and a
# bulletin is never unpublished: every delivery is of a published bulletin. So the inbox's counts need not join
# the bulletins (an index-only count of the user's deliveries, on every page's navigation). The same transaction
# stamps the deliveries' created_at with the bulletin's published_at, so "newest first" is the deliveries' own
# order too: the inbox's page is a range of the index delivery_inbox (user, read or not, created_at, id), however
# many bulletins the user has had, where ordering by the bulletins' published_at sorted all of them.


def inbox_keys(user, *, kind: str = "", severity: str = "") -> QuerySet[Delivery]:
    """The user's deliveries' ids, unread first then newest, for paginating the inbox: the page's ids are found
    from narrow rows, and only its twenty are read whole (inbox_for)."""
    deliveries = Delivery.objects.filter(user=user)
    if kind:
        deliveries = deliveries.filter(bulletin__kind=kind)
    if severity:
        deliveries = deliveries.filter(bulletin__severity=severity)
    is_read = ExpressionWrapper(Q(read_at__isnull=False), output_field=BooleanField())
    return deliveries.annotate(is_read=is_read).order_by("is_read", "-created_at", "-pk").values("pk")


def inbox_for(user, *, kind: str = "", severity: str = "", page_keys: QuerySet | None = None) -> QuerySet[Delivery]:
    """The user's deliveries, unread first then newest, with their bulletins (what the list shows of them):
    one query per page. ``page_keys``, a slice of inbox_keys, picks the page."""
    # The incident's title names an incident update's incident on its row (one join, not a query per row).
    deliveries = (Delivery.objects.filter(user=user, bulletin__published_at__isnull=False)
                  .select_related("bulletin__incident", "bulletin__check_in"))
    if page_keys is not None:
        deliveries = deliveries.filter(pk__in=page_keys)
    if kind:
        deliveries = deliveries.filter(bulletin__kind=kind)
    if severity:
        deliveries = deliveries.filter(bulletin__severity=severity)
    is_read = ExpressionWrapper(Q(read_at__isnull=False), output_field=BooleanField())
    return (deliveries.defer("bulletin__body", "bulletin__body_html", "bulletin__summary")
            .annotate(is_read=is_read).order_by("is_read", "-created_at", "-pk"))


def unread_count(user) -> int:
    return Delivery.objects.filter(user=user, read_at__isnull=True).count()


def delivery_for(user, bulletin: Bulletin) -> Delivery | None:
    """The user's delivery of this bulletin: None for someone it was not published to (officers included)."""
    return Delivery.objects.filter(bulletin=bulletin, user=user).first() if user.is_authenticated else None


# What a reader sees ------------------------------------------------------------------------------------------


def incidents_for(user) -> QuerySet[Incident]:
    """The incidents list: active first, then newest."""
    return visible_incidents(user).select_related("opened_by").order_by("status", "-opened_at")


def timeline(incident: Incident, *, user) -> QuerySet[Bulletin]:
    """The incident's published updates this user may read, newest first."""
    return (
        visible_bulletins(user).published().filter(incident=incident)
        .select_related("author").order_by("-published_at", "-pk")
    )


def successor_for(user, bulletin: Bulletin) -> Bulletin | None:
    """The bulletin superseding this one, if the reader may see it: a draft's title is nobody's business yet
    (but the officers')."""
    return visible_bulletins(user).filter(supersedes=bulletin).first()


def replay_for(user, cursor: int, *, not_before: datetime) -> list[dict[str, Any]]:
    """Payloads of the bulletins ``user`` may read now that come after ``cursor`` in the stream (sequence
    order: commit order), oldest first, at most REPLAY_LIMIT. Nothing published before ``not_before`` (a socket
    asks only for what it can have missed: the live consumer's replay window), and nothing withdrawn since.

    One query whatever the number (with the user's roles already loaded, as a live socket has them): the
    payload's columns only, the summary stored at save, no per-bulletin rendering."""
    bulletins = (
        visible_bulletins(user).published().filter(sequence__gt=cursor, published_at__gte=not_before)
        .exclude(status=Bulletin.Status.WITHDRAWN).select_related("incident", "check_in")
        .only(*PAYLOAD_FIELDS, "incident__title", "check_in__closed_at", "check_in__live_answers")
        .order_by("sequence")[:REPLAY_LIMIT]
    )
    return [bulletin_payload(bulletin) for bulletin in bulletins]


def missed_before_window(user, cursor: int, *, not_before: datetime) -> bool:
    """Did something the user may read come after ``cursor`` but before ``not_before`` (which a replay leaves
    to the inbox)? One query on the sequence index."""
    return visible_bulletins(user).published().filter(sequence__gt=cursor, published_at__lt=not_before).exists()


# Officers ----------------------------------------------------------------------------------------------------


def audience_organisations(audience: Audience) -> QuerySet[Organisation]:
    """The organisations a bulletin with this audience would reach, by name, with how many of their people: the
    officer's preview lists them (paged)."""
    users = recipients(audience)
    return (Organisation.objects.filter(people__in=users).annotate(reached=Count("people", distinct=True))
            .order_by("name"))


def audience_preview(audience: Audience) -> dict[str, int]:
    """How many members and organisations a bulletin with this audience would reach."""
    users = recipients(audience)
    return {
        "members": users.count(),
        "organisations": Organisation.objects.filter(people__in=users).distinct().count(),
    }


def officer_bulletins() -> QuerySet[Bulletin]:
    """Every bulletin with its reach, read and acknowledged counts, in one query."""
    return Bulletin.objects.select_related("author", "incident").annotate(
        read=Count("deliveries", filter=Q(deliveries__read_at__isnull=False)),
        acknowledged=Count("deliveries", filter=Q(deliveries__acknowledged_at__isnull=False)),
    )


def supersedable() -> QuerySet[Bulletin]:
    """Published bulletins that no other bulletin (draft or not) supersedes yet, and not withdrawn (what was
    taken back is not updated: a new bulletin says what stands now)."""
    return (Bulletin.objects.published().filter(superseded_by__isnull=True)
            .exclude(status=Bulletin.Status.WITHDRAWN))


def delivery_report(bulletin: Bulletin) -> QuerySet[Delivery]:
    """Who received it, by organisation, those yet to acknowledge first."""
    return (
        Delivery.objects.filter(bulletin=bulletin)
        .select_related("user__organisation")
        .order_by("acknowledged_at", "user__organisation__name", "user__display_name")
    )


def member_feedback(*, unanswered_only: bool = False) -> QuerySet[Feedback]:
    """Members' replies to bulletins, newest first; the officers' queue is the unhandled ones."""
    feedback = Feedback.objects.unanswered() if unanswered_only else Feedback.objects.all()
    return feedback.select_related("bulletin", "author__organisation", "answered_by", "handled_by").order_by(
        "-created_at", "-pk")


UNANSWERED_KEY = "bulletins:unanswered-replies"
UNANSWERED_TTL = 60


def unanswered_feedback_count() -> int:
    """How many members' replies wait for an officer (neither answered nor marked handled), for the officers'
    navigation on every page: one COUNT on a partial index of just those rows, kept in the cache until a reply
    is written or changed (``forget_unanswered_count``, from receivers) and for a minute at most."""
    try:
        count = cache.get(UNANSWERED_KEY)
        if count is None:
            count = Feedback.objects.unanswered().count()
            cache.set(UNANSWERED_KEY, count, UNANSWERED_TTL)
        return count
    except Exception:  # a cache outage costs a query, never the page
        logger.warning("The unanswered replies count could not use the cache", exc_info=True)
        return Feedback.objects.unanswered().count()


def forget_unanswered_count() -> None:
    try:
        cache.delete(UNANSWERED_KEY)
    except Exception:  # it expires within UNANSWERED_TTL anyway
        logger.warning("Could not forget the unanswered replies count", exc_info=True)


def own_feedback(user, bulletin: Bulletin) -> QuerySet[Feedback]:
    """What this member has said about this bulletin, and the answers they were given, oldest first."""
    return Feedback.objects.filter(bulletin=bulletin, author=user).order_by("created_at", "pk")


# The incident room ---------------------------------------------------------------------------------------------


def timeline_with_figures(incident: Incident) -> QuerySet[Bulletin]:
    """An officer's timeline of the incident (every published update), each with how many of its recipients have
    read and acknowledged it (``read``, ``acknowledged``; out of ``recipient_count``): one query for the page, as
    the delivery report counts them."""
    return (Bulletin.objects.published().filter(incident=incident).select_related("author")
            .annotate(read=Count("deliveries", filter=Q(deliveries__read_at__isnull=False)),
                      acknowledged=Count("deliveries", filter=Q(deliveries__acknowledged_at__isnull=False)))
            .order_by("-published_at", "-pk"))


def linked_threads(incident: Incident, *, user) -> QuerySet[IncidentThreadLink]:
    """The forum threads officers linked to the incident that this user may read, newest link first: approved
    threads in forums the board lets them read (the board's own rule, as a query: board.selectors.readable_forums;
    for an approved thread it is all of board.permissions.can_see_thread). Pending, rejected and other sectors'
    threads never show."""
    return (IncidentThreadLink.objects.filter(incident=incident, thread__status=Thread.Status.APPROVED,
                                              thread__forum__in=readable_forums(user))
            .select_related("thread__forum", "linked_by").order_by("-linked_at", "-pk"))
