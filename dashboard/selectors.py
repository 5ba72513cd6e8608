"""What the dashboard reads from the other apps: each a few rows deep and one query, however much the portal
holds, so the page stays under the portal's query bound for a member of a busy sector or a busy officer.

Who may see a bulletin or an incident is the audience rule's to say (messaging.bulletins.audience); these only
pick and order the few rows the dashboard shows."""

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from messaging.bulletins import selectors as bulletin_selectors
from messaging.bulletins.audience import visible_incidents
from messaging.bulletins.models import Bulletin, Delivery, Feedback, Incident

ROWS = 5


def _needs_attention(user) -> QuerySet[Delivery]:
    """The user's deliveries not read yet, or read but still waiting for the acknowledgement they ask for."""
    waiting_ack = Q(bulletin__ack_requested=True, acknowledged_at__isnull=True)
    return Delivery.objects.filter(user=user).filter(Q(read_at__isnull=True) | waiting_ack)


def bulletins_for_attention(user, limit: int = ROWS) -> list[Delivery]:
    """The bulletins addressed to the user that still want something of them, waiting for an acknowledgement
    first (it is asked for), then unread, newest first: the inbox's rows (bulletin_selectors.inbox_for) for
    the first ``limit`` of them, in one query."""
    waiting_ack = ExpressionWrapper(Q(bulletin__ack_requested=True, acknowledged_at__isnull=True),
                                    output_field=BooleanField())
    keys = (_needs_attention(user).annotate(waiting_ack=waiting_ack)
            .order_by("-waiting_ack", "-bulletin__published_at", "-pk").values("pk")[:limit])
    deliveries = list(bulletin_selectors.inbox_for(user, page_keys=keys))
    # inbox_for orders unread first; the dashboard puts what asks for an acknowledgement before that.
    deliveries.sort(key=lambda d: (not (d.bulletin.ack_requested and d.acknowledged_at is None),
                                   -d.bulletin.published_at.timestamp(), -d.pk))
    return deliveries


def active_incidents(user, limit: int = ROWS) -> list[Incident]:
    """The active incidents the user is in the audience of (officers: all), newest first."""
    return list(visible_incidents(user).filter(status=Incident.Status.ACTIVE).order_by("-opened_at", "-pk")[:limit])


def _officer_list(bulletins: QuerySet[Bulletin], limit: int) -> list[Bulletin]:
    return list(bulletins.select_related("author").defer("body", "body_html", "summary")[:limit])


def drafts_of(officer, limit: int = ROWS) -> list[Bulletin]:
    """The officer's own drafts, last changed first."""
    return _officer_list(Bulletin.objects.filter(author=officer, status=Bulletin.Status.DRAFT)
                         .order_by("-updated_at", "-pk"), limit)


def scheduled_bulletins(limit: int = ROWS) -> list[Bulletin]:
    """Every officer's scheduled bulletins, soonest first: any officer may need to stop one going out."""
    return _officer_list(Bulletin.objects.filter(status=Bulletin.Status.SCHEDULED)
                         .order_by("scheduled_for", "pk"), limit)


def unanswered_replies(limit: int = ROWS) -> list[Feedback]:
    """The latest member replies no officer has answered or marked handled yet (the officers' feedback list, a
    few rows of it)."""
    return list(bulletin_selectors.member_feedback().unanswered()
                .defer("body", "answer", "answer_html", "bulletin__body", "bulletin__body_html")[:limit])
