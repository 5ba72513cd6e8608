"""Partner systems' keys to the CAP 1.2 documents (PartnerToken): made, and recognised from a request.

A key is ``secrets.token_urlsafe(32)`` (43 characters, 256 random bits). Only its SHA-256 digest is stored, so a
copy of the database gives nobody a working key; with that much randomness a plain digest (no salt, no slow
hash) is enough, and it lets the lookup be one indexed equality. The key is shown once, when it is made."""

import hashlib
import re
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from audit.services import record
from messaging.bulletins.models import PartnerToken

KEY_BYTES = 32
# "Bearer <key>" (RFC 6750); a key is letters, digits, "-" and "_", and nothing longer than a few of ours.
BEARER = re.compile(r"Bearer +([A-Za-z0-9_-]{20,128})", re.IGNORECASE)
# last_used_at is written at most this often per token: a partner polling every few seconds costs no write each.
TOUCH_EVERY = timedelta(minutes=1)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def set_new_key(token: PartnerToken) -> str:
    """Give an unsaved token a fresh key: its digest is set, the key returned for showing once."""
    key = secrets.token_urlsafe(KEY_BYTES)
    token.key_digest = digest(key)
    return key


@transaction.atomic
def create_token(token: PartnerToken, *, by) -> str:
    """Save a new token (its name and active flag filled in, as the admin's form leaves it) with a fresh key,
    audited; returns the key, which the caller shows once: it is not kept anywhere."""
    key = set_new_key(token)
    token.created_by = by
    token.save()
    record(by, "partner_token.create", token)
    return key


def from_header(authorization: str) -> PartnerToken | None:
    """The active token an ``Authorization`` header names, or None (malformed, unknown or inactive: the caller
    answers all three alike)."""
    match = BEARER.fullmatch(authorization.strip())
    if match is None:
        return None
    token = PartnerToken.objects.filter(key_digest=digest(match.group(1)), active=True).first()
    if token is not None:
        _touch(token)
    return token


def _touch(token: PartnerToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        PartnerToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
