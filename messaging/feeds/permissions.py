"""Who may use the calendar and the feeds: the one place feeds views ask.

The calendar and the feed settings are for those who may read bulletins (approved members and officers: the
bulletins' own rule). The feed URLs carry no session: the token is the credential, so a loader finds its owner
or answers 404, the same for a forged key, a replaced key and the key of a deactivated user."""

from django.http import Http404

from accounts.models import User
from messaging.bulletins.permissions import can_read_bulletins
from messaging.feeds.models import FeedToken


def can_use_calendar(user) -> bool:
    return can_read_bulletins(user)


def access_feed_owner(key: str) -> User:
    """The active user whose current feed token this is (one query), else 404. What they read through it is
    the audience rule's to say, as on their inbox (selectors)."""
    token = FeedToken.objects.select_related("user").filter(key=key, user__is_active=True).first()
    if token is None:
        raise Http404("No such feed.")
    return token.user
