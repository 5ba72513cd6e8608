"""One-click unsubscribe (RFC 8058) for the e-mail the portal sends members by their preference.

Every such e-mail carries ``List-Unsubscribe: <https://.../accounts/preferences/unsubscribe/<token>/>`` and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (``headers``: the one helper every sender uses). The token
is signed (django.core.signing, its own salt) and names the user and what to turn off; a POST to the link turns
it off, without login or CSRF token (the signature is the proof, as RFC 8058 expects: mail clients POST it
without cookies), and the page says what changed. A GET only shows what a POST would do, with a button: mail
scanners that follow links change nothing.

What each kind turns off:

- ``forum``: forum activity by e-mail (replies, mentions, watched threads): never;
- ``digest``: the daily digest (what waited for it stays on the portal);
- ``bulletins``: bulletins below critical are no longer e-mailed at once (they go to the digest); critical
  bulletins and those asking for an acknowledgement are always sent, which the page says.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from audit.services import record
from notifications.models import Preferences

SALT = "notifications.unsubscribe"
# How long a link in an e-mail keeps working: long enough for a message read weeks later, short enough that an
# old forwarded message is not a key for ever. Expired: the page says so and links to the preferences page.
MAX_AGE_DAYS = 180
FORUM, DIGEST, BULLETINS = "forum", "digest", "bulletins"


@dataclass(frozen=True)
class Kind:
    field: str
    value: object
    what: str  # "You will no longer get ..." / the button
    after: str  # what still comes, said after the change


KINDS = {
    FORUM: Kind("forum_email", Preferences.ForumEmail.NEVER, "e-mail about forum activity (replies, mentions, "
                "new posts where you are watching)",
                "Your notifications still appear behind the bell on the portal."),
    DIGEST: Kind("digest", False, "the daily digest",
                 "What it listed stays on the portal: your bulletins inbox and the notifications behind the bell."),
    BULLETINS: Kind("bulletin_min_severity", "critical", "bulletins below critical by e-mail as they are published "
                    "(they will wait for your daily digest instead)",
                    "Critical bulletins and bulletins asking for an acknowledgement are always e-mailed at once: "
                    "those can't be turned off."),
}


class BadToken(Exception):
    """The link was altered, is for nothing we know, or has expired (``expired`` says which)."""

    def __init__(self, *, expired: bool = False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def make_token(user, kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"Not something one can unsubscribe from: {kind}")
    return signing.dumps({"u": user.pk, "k": kind}, salt=SALT, compress=True)


def read_token(token: str) -> tuple[int, str]:
    """(user id, kind) from a token, or BadToken."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_DAYS * 86400)
    except signing.SignatureExpired:
        raise BadToken(expired=True) from None
    except signing.BadSignature:
        raise BadToken from None
    if not isinstance(data, dict) or data.get("k") not in KINDS or not isinstance(data.get("u"), int):
        raise BadToken
    return data["u"], data["k"]


def url(user, kind: str) -> str:
    """The absolute link (SITE_URL: an https address in production, as RFC 8058 requires)."""
    return settings.SITE_URL + reverse("preferences:unsubscribe", args=[make_token(user, kind)])


def headers(user, kind: str, *, link: str | None = None) -> dict[str, str]:
    """The RFC 8058 headers for an e-mail to ``user`` that ``kind`` turns off. Every sender of optional e-mail
    passes these (tests/notifications/test_unsubscribe.py reads the sources to make sure). ``link``: the ``url``
    the message's body shows, so that the header and the body carry the same link (a token made a second later
    would differ: it is timestamped)."""
    return {"List-Unsubscribe": f"<{link or url(user, kind)}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def is_on(preferences: Preferences, kind: str) -> bool:
    """Whether what ``kind`` turns off is still on (False: the link would change nothing)."""
    spec = KINDS[kind]
    return getattr(preferences, spec.field) != spec.value


@transaction.atomic
def unsubscribe(user, kind: str) -> bool:
    """Turn off what ``kind`` names for ``user``; True if that changed anything. Audited."""
    spec = KINDS[kind]
    preferences, _ = Preferences.objects.select_for_update().get_or_create(user=user)
    if not is_on(preferences, kind):
        return False
    setattr(preferences, spec.field, spec.value)
    changed = [spec.field]
    if kind == DIGEST and preferences.forum_email == Preferences.ForumEmail.DIGEST:
        # Forum activity "in the digest" with no digest would be e-mail promised and never sent: say never.
        preferences.forum_email = Preferences.ForumEmail.NEVER
        changed.append("forum_email")
    preferences.save(update_fields=[*changed, "updated_at"])
    record(user, "preferences.unsubscribe", user, kind=kind, changed=changed)
    return True
