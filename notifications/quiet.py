"""Releasing what quiet hours held back, from the scheduler (publish_due's round calls ``scheduled.run``).

Quiet hours never lose e-mail, they delay it:

- a bulletin delivery the fan-out found in the member's quiet hours was given ``email_after`` = their end and left
  the unsent rows; from that time ``release_bulletins`` clears it (back among the unsent rows) and queues the
  bulletin's fan-out, which puts it through the rules again (sent now, or held again if the member has changed
  their hours meanwhile);
- a forum notification for a member who wants forum e-mail at once is not sent while they are quiet (its task
  finds them quiet and leaves it); ``Preferences.quiet_release_at`` holds their next quiet end, and from then
  ``release_forum`` sends what they were not sent in the day before it (unread, not e-mailed) and moves
  ``quiet_release_at`` to the following end, in one conditional UPDATE per member: of two schedulers at once,
  one releases (and the e-mail task locks each notification anyway).
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from common.tasks import enqueue_with_this_transaction
from messaging.bulletins.models import Delivery
from messaging.bulletins.tasks import send_bulletin_emails
from notifications import rules
from notifications.models import Notification, Preferences

FORUM_WINDOW = timedelta(days=1)  # quiet hours last less than a day: what they held was made within it
RELEASE_BATCH = 500


def release_bulletins(now: datetime | None = None) -> list[int]:
    """Put back among the unsent rows the deliveries held until now, and queue their bulletins' fan-outs (in the
    same transaction: a database queue commits both or neither). Returns the bulletins' ids."""

    now = now or timezone.now()
    with transaction.atomic():
        held = Delivery.objects.filter(email_after__lte=now, emailed_at__isnull=True)
        bulletin_ids = list(held.values_list("bulletin_id", flat=True).distinct().order_by("bulletin_id"))
        if not bulletin_ids:
            return []
        held.update(email_after=None)
        for bulletin_id in bulletin_ids:
            enqueue_with_this_transaction(send_bulletin_emails, bulletin_id)
    return bulletin_ids


def release_forum(now: datetime | None = None) -> list[int]:
    """Send the forum e-mail that quiet hours ended by now held back. Returns the members' ids."""
    from notifications.email_tasks import send_notification_emails, wanted_now

    now = now or timezone.now()
    released = []
    due = Preferences.objects.filter(quiet_release_at__lte=now).order_by("pk")[:RELEASE_BATCH]
    for preferences in due:
        end = preferences.quiet_release_at
        following = rules.next_quiet_end(preferences, max(end, now))
        with transaction.atomic():
            claimed = Preferences.objects.filter(pk=preferences.pk, quiet_release_at=end).update(
                quiet_release_at=following)
            if not claimed:
                continue  # another scheduler did it
            if not rules.forum_email_now(preferences):
                continue
            ids = list(wanted_now(Notification.objects.filter(user_id=preferences.user_id,
                                                              created_at__gte=end - FORUM_WINDOW, created_at__lt=end)))
            if ids:
                enqueue_with_this_transaction(send_notification_emails, ids)
                released.append(preferences.user_id)
    return released
