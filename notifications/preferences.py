"""Saving a member's e-mail preferences (the page at /accounts/preferences/; the one-click unsubscribe is in
notifications.unsubscribe)."""

from datetime import time

from django.db import transaction
from django.utils import timezone

from audit.services import record
from messaging.bulletins.models import Delivery
from notifications import rules
from notifications.models import Preferences

FIELDS = ("forum_email", "bulletin_min_severity", "digest", "quiet_from", "quiet_until")


@transaction.atomic
def save_preferences(user, *, forum_email: str, bulletin_min_severity: str, digest: bool,
                     quiet_from: time | None, quiet_until: time | None) -> Preferences:
    """Save the member's choices (audited: which fields changed). Changing the quiet hours settles what the old
    ones held back: bulletins held for their end are released at once (unless the new quiet hours cover now:
    then at the new end), and the forum e-mail's release moves to the new end."""
    preferences, _ = Preferences.objects.select_for_update().get_or_create(user=user)
    before = {field: getattr(preferences, field) for field in FIELDS}
    was_quiet = rules.quiet_window(preferences) is not None
    preferences.forum_email, preferences.bulletin_min_severity, preferences.digest = (
        forum_email, bulletin_min_severity, digest)
    preferences.quiet_from, preferences.quiet_until = quiet_from, quiet_until
    changed = sorted(field for field in FIELDS if getattr(preferences, field) != before[field])
    if not changed:
        return preferences
    if {"quiet_from", "quiet_until"} & set(changed):
        now = timezone.now()
        quiet_end = rules.quiet_until(preferences, now)
        release = quiet_end or (now if was_quiet else rules.next_quiet_end(preferences, now))
        preferences.quiet_release_at = release
        # The fan-out puts a released delivery through the rules again: held again if the new hours say so.
        Delivery.objects.filter(user=user, email_after__isnull=False, emailed_at__isnull=True).update(
            email_after=quiet_end or now)
    preferences.save()
    record(user, "preferences.save", user, changed=changed)
    return preferences
