"""One-click RSVP links for the invitation e-mails: signed, and good until an hour after the call ends.

A link carries the invitation, the person it was sent to (the invitee or their deputy) and when it expires,
signed with the site's key and its own salt: the signature is the proof of who follows it, so no login is
needed. It lands on a confirmation page; the answer changes only when that page's form is posted.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from messaging.bridge.models import BridgeCall

SALT = "hub.bridge.rsvp"
CHOICES = ("accept", "decline", "delegate")
# A token is about 80 characters; anything much longer is not one of ours and is not worth unsigning.
MAX_TOKEN_LENGTH = 300


class LinkInvalid(Exception):
    """Tampered with, cut short, or not one of ours."""


class LinkExpired(Exception):
    """Genuine, but past its expiry (the call ended more than the grace time ago)."""


@dataclass(frozen=True)
class RsvpLink:
    invitation_id: int
    person_id: int
    expires_at: datetime


def expiry_of(call: BridgeCall) -> datetime:
    return call.ends_at + timedelta(hours=settings.BRIDGE_RSVP_LINK_GRACE_HOURS)


def make_token(invitation_id: int, person_id: int, expires_at: datetime) -> str:
    return signing.dumps([invitation_id, person_id, int(expires_at.timestamp())], salt=SALT, compress=False)


def rsvp_url(call: BridgeCall, invitation_id: int, person_id: int, choice: str | None = None) -> str:
    """The absolute link for one person's answer to one invitation; ``choice`` preselects it on the page."""
    path = reverse("bridge:rsvp_link", args=[make_token(invitation_id, person_id, expiry_of(call))])
    return settings.SITE_URL + path + (f"?choice={choice}" if choice in CHOICES else "")


def read_token(token: str, now: datetime | None = None) -> RsvpLink:
    """The link's content, or LinkInvalid / LinkExpired."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise LinkInvalid
    try:
        invitation_id, person_id, expires = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise LinkInvalid from None
    if not all(isinstance(value, int) for value in (invitation_id, person_id, expires)):
        raise LinkInvalid
    expires_at = datetime.fromtimestamp(expires, tz=UTC)
    if (now or timezone.now()) >= expires_at:
        raise LinkExpired
    return RsvpLink(invitation_id=invitation_id, person_id=person_id, expires_at=expires_at)
