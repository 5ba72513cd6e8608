"""One-click answer links for the carrier's e-mail: signed, expiring, confirmed by a POST.

A link carries the check-in, the person it was e-mailed to, the answer it gives and when it expires (the
deadline or 7 days after opening, whichever is later, and never more than 14 days after opening), signed with
the site's key and its own salt: the signature is the proof of who follows it, so no login is needed (but the
person must still be one the check-in asks). It lands on a confirmation page; nothing changes until its form
is posted.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from messaging.checkins.models import CheckIn

SALT = "hub.checkins.answer"
LINK_DAYS = 7
MAX_LINK_DAYS = 14
# A token is about 90 characters; anything much longer is not one of ours and is not worth unsigning.
MAX_TOKEN_LENGTH = 300


class LinkInvalid(Exception):
    """Tampered with, cut short, or not one of ours."""


class LinkExpired(Exception):
    """Genuine, but past its expiry."""


@dataclass(frozen=True)
class AnswerLink:
    check_in_id: int
    person_id: int
    choice_id: int
    expires_at: datetime


def expiry_of(check_in: CheckIn) -> datetime:
    """The deadline or a week after opening, whichever is later; at most two weeks after opening."""
    week = check_in.opened_at + timedelta(days=LINK_DAYS)
    latest = check_in.opened_at + timedelta(days=MAX_LINK_DAYS)
    return min(max(check_in.deadline or week, week), latest)


def make_token(check_in_id: int, person_id: int, choice_id: int, expires_at: datetime) -> str:
    return signing.dumps([check_in_id, person_id, choice_id, int(expires_at.timestamp())], salt=SALT,
                         compress=False)


def answer_url(check_in: CheckIn, person_id: int, choice_id: int, *, expires_at: datetime | None = None) -> str:
    """The absolute link by which one person answers ``choice_id`` for their organisation."""
    token = make_token(check_in.pk, person_id, choice_id, expires_at or expiry_of(check_in))
    return settings.SITE_URL + reverse("checkins:answer_link", args=[token])


def read_token(token: str, now: datetime | None = None) -> AnswerLink:
    """The link's content, or LinkInvalid / LinkExpired."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise LinkInvalid
    try:
        values = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise LinkInvalid from None
    if not isinstance(values, list) or len(values) != 4 or not all(type(value) is int for value in values):
        raise LinkInvalid
    check_in_id, person_id, choice_id, expires = values
    expires_at = datetime.fromtimestamp(expires, tz=UTC)
    if (now or timezone.now()) >= expires_at:
        raise LinkExpired
    return AnswerLink(check_in_id=check_in_id, person_id=person_id, choice_id=choice_id, expires_at=expires_at)
