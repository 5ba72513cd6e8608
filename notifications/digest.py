"""The daily digest at 07:00 Europe/London: what waited for it, once per member per day.

What it lists (``collect``), only what the member may still read:

- bulletins left for it (below the member's threshold: Delivery.digest_at), still unread and not e-mailed, of
  bulletins not withdrawn, to members still entitled to bulletins (the audience rule's ``still_entitled``);
- for members who chose forum activity "in a daily digest": their unread notifications not e-mailed yet, about
  posts they may still open (the board's read rule; hidden posts never);
- as a reminder, the pre-planned events addressed to them (a Delivery) that start in the next 7 days.

Who gets one, and exactly once (``claim_due``, called by the scheduler every round from 07:00): the members with
something new that arrived before today's 07:00 (a waiting bulletin or forum notification: found through partial
indexes of those rows only, so members with nothing cost nothing, however many), who take the digest, are not in
their quiet hours now (those are claimed at a later round, when their quiet hours are over) and have no digest
today. Each is claimed by INSERTing its DigestSent (user, day) row, unique, in the transaction that queues its
task: of two schedulers (or two rounds) at once, the second's INSERT waits for the first's commit and fails, and it
moves on. Upcoming events alone do not make a digest: they are the same for a week and would be a daily e-mail to
every member; the calendar feed carries them.

Skipped when empty: a member with nothing new is never a candidate, so no row is written for them and nothing is
repeated for them all day. A candidate whose items were all read (or stopped being readable) by the time the task
runs gets a row with ``item_count`` 0 and no e-mail: the row stops the rounds for the rest of the day from
looking at them again. What arrives after 07:00 goes in tomorrow's digest.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from common.tasks import enqueue_with_this_transaction
from common.text import email_subject
from messaging.bulletins.audience import still_entitled
from messaging.bulletins.models import Bulletin, Delivery
from messaging.bulletins.tasks import message_domain
from notifications import rules, unsubscribe
from notifications.email_tasks import locked, still_readable
from notifications.models import DigestSent, Notification, Preferences

logger = logging.getLogger(__name__)

# Older than this, something is not news: it stays on the portal (inbox, bell) and out of the digest.
MAX_AGE = timedelta(days=7)
EVENTS_AHEAD = timedelta(days=7)
MAX_ITEMS = 50  # per section: a digest is a summary, the portal has the rest
CLAIM_BATCH = 200
# A digest claimed this long ago and still not sent: its worker died; queue it again (same day only).
RESUME_AFTER = timedelta(minutes=10)


@dataclass
class Content:
    bulletins: list = field(default_factory=list)  # Delivery rows, with their bulletins
    notifications: list = field(default_factory=list)
    events: list = field(default_factory=list)  # Bulletin rows
    more_bulletins: bool = False
    more_notifications: bool = False

    @property
    def count(self) -> int:
        """The new items (the events are a reminder, not news)."""
        return len(self.bulletins) + len(self.notifications)


def _waiting_deliveries(now: datetime):
    return Delivery.objects.filter(digest_at__isnull=False, emailed_at__isnull=True, read_at__isnull=True,
                                   digest_at__gte=now - MAX_AGE)


def _waiting_notifications(now: datetime):
    return Notification.objects.filter(read_at__isnull=True, emailed_at__isnull=True, kind__in=rules.FORUM_KINDS,
                                       created_at__gte=now - MAX_AGE)


def collect(user, now: datetime | None = None) -> Content:
    """What the member's digest lists now (empty for someone inactive or who turned the digest off)."""
    now = now or timezone.now()
    preferences = rules.preferences_of(user)
    content = Content()
    if not user.is_active or not preferences.digest:
        return content
    deliveries = list(
        still_entitled(_waiting_deliveries(now).filter(user=user))
        .exclude(bulletin__status=Bulletin.Status.WITHDRAWN)
        .select_related("bulletin").order_by("-bulletin__published_at", "-pk")[: MAX_ITEMS + 1])
    content.bulletins, content.more_bulletins = deliveries[:MAX_ITEMS], len(deliveries) > MAX_ITEMS
    if preferences.forum_email == Preferences.ForumEmail.DIGEST:
        notes = [note for note in _waiting_notifications(now).filter(user=user)
                 .select_related("user", "thread__forum", "post").order_by("-created_at", "-pk")[: MAX_ITEMS + 1]
                 if still_readable(note)]
        content.notifications, content.more_notifications = notes[:MAX_ITEMS], len(notes) > MAX_ITEMS
    if content.count:
        content.events = list(
            Bulletin.objects.filter(status=Bulletin.Status.PUBLISHED, kind=Bulletin.Kind.PRE_PLANNING,
                                    starts_at__gte=now, starts_at__lt=now + EVENTS_AHEAD)
            .filter(Exists(still_entitled(Delivery.objects.filter(bulletin=OuterRef("pk"), user=user))))
            .order_by("starts_at", "pk")[:MAX_ITEMS])
    return content


def candidates(day, due_at: datetime, now: datetime) -> list:
    """The members due a digest now (see the module's docstring), with their preferences, in id order."""
    bulletins = _waiting_deliveries(now).filter(digest_at__lt=due_at).values("user_id")
    forum = Preferences.objects.filter(forum_email=Preferences.ForumEmail.DIGEST).filter(Exists(
        _waiting_notifications(now).filter(user=OuterRef("user"), created_at__lt=due_at))).values("user_id")
    users = (get_user_model().objects.filter(is_active=True)
             .filter(Q(pk__in=bulletins) | Q(pk__in=forum))
             .exclude(pk__in=DigestSent.objects.filter(day=day).values("user_id"))
             .exclude(preferences__digest=False)
             .select_related("preferences").order_by("pk"))
    return [user for user in users if rules.quiet_window(rules.preferences_of(user), now) is None]


def claim_due(now: datetime | None = None) -> list[int]:
    """Claim and queue today's digests due now (none before 07:00 London). Returns the users' ids. Safe to run
    every round and from two schedulers at once (see the module's docstring)."""
    now = now or timezone.now()
    due = rules.digest_day(now)
    if due is None:
        return []
    day, due_at = due
    users = candidates(day, due_at, now)
    claimed = []
    for start in range(0, len(users), CLAIM_BATCH):
        with transaction.atomic():
            for user in users[start:start + CLAIM_BATCH]:
                try:
                    with transaction.atomic():
                        digest = DigestSent.objects.create(user=user, day=day, claimed_at=now)
                except IntegrityError:
                    continue  # another scheduler claimed it first
                enqueue_with_this_transaction(send_digest, digest.pk)
                claimed.append(user.pk)
    return claimed


def resume_unsent(now: datetime | None = None) -> list[int]:
    """Queue again today's digests claimed a while ago and not sent (a worker died, or the mail server refused):
    the task locks the row and sends only if it is still unsent, so a copy that meets a live one does nothing."""
    now = now or timezone.now()
    due = rules.digest_day(now)
    if due is None:
        return []
    ids = list(DigestSent.objects.filter(sent_at__isnull=True, day=due[0], claimed_at__lt=now - RESUME_AFTER)
               .order_by("pk").values_list("pk", flat=True))
    # Moved on, so that a digest that keeps failing is tried again every RESUME_AFTER, not every round.
    DigestSent.objects.filter(pk__in=ids).update(claimed_at=now)
    for digest_id in ids:
        send_digest.enqueue(digest_id)
    return ids


# The daily digest ---------------------------------------------------------------------------------------------


def digest_message_id(digest: DigestSent) -> str:
    return f"<digest-{digest.day:%Y%m%d}.user-{digest.user_id}@{message_domain()}>"


def render_digest(digest: DigestSent, content: Content) -> EmailMessage:
    user = digest.user
    count = content.count
    context = {"user": user, "day": digest.day, "content": content, "site": settings.SITE_URL,
               "unsubscribe_url": unsubscribe.url(user, unsubscribe.DIGEST),
               "preferences_url": settings.SITE_URL + reverse("preferences:edit")}
    subject = f"Your daily digest: {count} new item{'s' if count != 1 else ''}, {digest.day:%-d %B}"
    body = render_to_string("notifications/email/digest.txt", context)
    return EmailMessage(subject=email_subject(subject), body=body, to=[user.email],
                        headers={"Message-ID": digest_message_id(digest),
                                 **unsubscribe.headers(user, unsubscribe.DIGEST, link=context["unsubscribe_url"])})


@task()
def send_digest(digest_id: int) -> int:
    """Send one claimed digest (claim_due): what waits for the member now, or nothing if it
    all has been read meanwhile. Returns how many items it listed. A failed send leaves the row unsent; the
    scheduler queues it again later (resume_unsent)."""
    with transaction.atomic():
        digest = locked(DigestSent.objects.filter(pk=digest_id, sent_at__isnull=True)
                         .select_related("user", "user__preferences")).first()
        if digest is None:
            return 0  # sent (or found empty) already
        now = timezone.now()
        content = collect(digest.user, now)
        if content.count:
            try:
                get_connection().send_messages([render_digest(digest, content)])
            except Exception:  # noqa: BLE001 - logged; resumed later in the day
                logger.exception("The digest of user %s for %s failed", digest.user_id, digest.day)
                return 0
            Delivery.objects.filter(pk__in=[delivery.pk for delivery in content.bulletins]).update(emailed_at=now)
            Notification.objects.filter(pk__in=[note.pk for note in content.notifications]).update(emailed_at=now)
        DigestSent.objects.filter(pk=digest.pk).update(sent_at=now, item_count=content.count)
        return content.count
