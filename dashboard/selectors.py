"""What the dashboard reads from the other apps: each a few rows deep and one query, however much the portal
holds, so the page stays under the portal's query bound for a member of a busy sector or a busy officer.

Who may see a bulletin or an incident is the audience rule's to say (messaging.bulletins.audience); these only
pick and order the few rows the dashboard shows."""

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from messaging.bulletins import selectors as bulletin_selectors
from messaging.bulletins.audience import visible_incidents
from messaging.bulletins.models import Bulletin, Delivery, Feedback, Incident

ROWS = 5
# The bulletin's columns the dashboard's list shows (templates/dashboard/_bulletins.html).
ATTENTION_BULLETIN_FIELDS = ("bulletin__title", "bulletin__kind", "bulletin__severity", "bulletin__published_at",
                             "bulletin__ack_requested")


def _either(*keys: QuerySet) -> RawSQL:
    """The ids that any of these key queries picks (each a ``values("pk")`` query with its own order and slice), as
    one subquery for ``pk__in``: a UNION ALL of the queries as derived tables, which PostgreSQL and SQLite both run,
    each part an index range. ``Q(pk__in=a) | Q(pk__in=b)`` would instead test every delivery of the user against
    both."""
    parts, params = [], []
    for n, query in enumerate(keys):
        sql, query_params = query.query.sql_with_params()
        # Only the ORM's own compiled SQL goes into the text; the values stay parameters.
        parts.append(f"SELECT * FROM ({sql}) AS keys_{n}")  # noqa: S608
        params.extend(query_params)
    return RawSQL(" UNION ALL ".join(parts), params)  # noqa: S611


def _waiting_ack(delivery: Delivery) -> bool:
    return delivery.bulletin.ack_requested and delivery.acknowledged_at is None


def bulletins_for_attention(user, limit: int = ROWS) -> list[Delivery]:
    """The bulletins addressed to the user that still want something of them, waiting for an acknowledgement
    first (it is asked for), then unread, newest first: the first ``limit`` of them, with the columns the list
    shows, in one query.

    The first ``limit`` of that order are among the newest ``limit`` deliveries waiting for an acknowledgement
    (found from the bulletins that ask for one: index bulletin_ack_requested) and the inbox's first ``limit``
    rows (unread first, newest first: index delivery_inbox); the query reads those few and this sorts them. Each
    part reads a few index entries, where one ORDER BY over both conditions sorted all the user's deliveries."""
    waiting_ack = (Delivery.objects.filter(user=user, acknowledged_at__isnull=True, bulletin__ack_requested=True)
                   .order_by("-bulletin__published_at", "-pk").values("pk")[:limit])
    newest_unread = bulletin_selectors.inbox_keys(user)[:limit]
    # What the list shows of each (its columns only: the page is built on every visit).
    candidates = (Delivery.objects.filter(user=user, pk__in=_either(waiting_ack, newest_unread))
                  .select_related("bulletin").only("read_at", "acknowledged_at", *ATTENTION_BULLETIN_FIELDS))
    deliveries = [d for d in candidates if d.read_at is None or _waiting_ack(d)]
    deliveries.sort(key=lambda d: (not _waiting_ack(d), -d.bulletin.published_at.timestamp(), -d.pk))
    return deliveries[:limit]


def active_incidents(user, limit: int = ROWS) -> list[Incident]:
    """The active incidents the user is in the audience of (officers: all), newest first."""
    return list(visible_incidents(user).filter(status=Incident.Status.ACTIVE).only("title", "opened_at")
                .order_by("-opened_at", "-pk")[:limit])


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
