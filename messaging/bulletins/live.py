"""Live push of published bulletins to members' browsers over the channel layer.

How a bulletin reaches a browser:
- every live socket joins one group per approved sector of its user (``live.sector.<id>``), the
  ``live.everyone`` group (members), ``live.officers`` (officers) and its own ``live.user.<id>`` group;
- after the publishing transaction commits, ``broadcast_bulletin`` sends ONE message per targeted group
  (at most ~25 sectors), never one per recipient, so publishing to 10,000 members costs a handful of sends;
- the message carries the audience (sector and borough ids); each consumer checks it against its own user's
  sectors and organisation's boroughs (the same rule as ``services.resolve_audience``) before anything goes to
  the browser, and drops an id it has already sent (a member in two targeted sectors gets it once);
- every message has a ``cursor`` (published time + id, ordered); a client that reconnects sends the last one it
  saw and ``replay_for`` returns what it missed from its Delivery rows, in order.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

EVERYONE_GROUP = "live.everyone"
OFFICERS_GROUP = "live.officers"
REPLAY_LIMIT = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def sector_group(sector_id: int) -> str:
    return f"live.sector.{sector_id}"


def user_group(user_id: int) -> str:
    return f"live.user.{user_id}"


def make_cursor(published_at: datetime, bulletin_id: int) -> str:
    """An opaque, ordered position in the stream of published bulletins: "<microseconds since 1970>:<id>",
    exact integers, so that replay asks for precisely what came after it."""
    return f"{(published_at - _EPOCH) // timedelta(microseconds=1)}:{bulletin_id}"


def parse_cursor(cursor: Any) -> tuple[datetime, int] | None:
    if not isinstance(cursor, str) or len(cursor) > 40:
        return None
    try:
        micros, bulletin_id = (int(part) for part in cursor.split(":"))
        return _EPOCH + timedelta(microseconds=micros), bulletin_id
    except (ValueError, OverflowError):
        return None


def group_send(group: str, message: dict) -> None:
    """Send to a group from sync code: views, tasks and signal handlers."""
    send = async_to_sync(get_channel_layer().group_send)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        send(group, message)
        return
    # Sync code running in an event loop's thread (an async caller; Playwright's loop in the browser tests)
    # cannot block on the layer here: hand the send to a short-lived thread.
    worker = threading.Thread(target=send, args=(group, message))
    worker.start()
    worker.join()


def bulletin_payload(bulletin) -> dict:
    """What the browser is sent. OFFICIAL-SENSITIVE bulletins go out as title and link only."""
    from common.text import plain_summary

    payload = {
        "type": "bulletin",
        "id": bulletin.pk,
        "cursor": make_cursor(bulletin.published_at, bulletin.pk),
        "title": bulletin.title,
        "url": bulletin.get_absolute_url(),
        "severity": bulletin.severity,
        "sensitive": bulletin.is_sensitive,
        "incident": bulletin.incident_id,  # an id, not content: lets an open timeline fetch the update
    }
    if not bulletin.is_sensitive:
        payload.update(
            kind=bulletin.kind,
            kind_label=bulletin.get_kind_display(),
            severity_label=bulletin.get_severity_display(),
            summary=plain_summary(bulletin.body, 200),
        )
    return payload


def broadcast_bulletin(bulletin_id: int) -> None:
    """Send a just-published bulletin to the groups it targets. Call only after the publish has committed."""
    from messaging.bulletins.models import Bulletin

    bulletin = Bulletin.objects.prefetch_related("sectors", "boroughs").get(pk=bulletin_id)
    sector_ids = sorted(s.pk for s in bulletin.sectors.all())
    borough_ids = sorted(b.pk for b in bulletin.boroughs.all())
    message = {
        "type": "live.bulletin",
        "bulletin": bulletin_payload(bulletin),
        "audience": {"everyone": bulletin.everyone, "sectors": sector_ids, "boroughs": borough_ids},
    }
    groups = [OFFICERS_GROUP]
    groups += [EVERYONE_GROUP] if bulletin.everyone else [sector_group(pk) for pk in sector_ids]
    for group in groups:
        group_send(group, message)


def audience_includes(audience: dict, sector_ids: set[int], borough_ids: set[int]) -> bool:
    """The publish rule, for one member: in a targeted sector (or everyone), and in a targeted borough if any."""
    if not audience["everyone"] and not sector_ids.intersection(audience["sectors"]):
        return False
    return not audience["boroughs"] or bool(borough_ids.intersection(audience["boroughs"]))


def notify_user(user_id: int, message_type: str) -> None:
    """Tell every open socket of one user to re-check its access (``live.refresh``)."""
    group_send(user_group(user_id), {"type": message_type})


def session_is_valid(session_key: str, user) -> bool:
    """Is the session still logged in as this user, with the current password (Django's session hash)?"""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
    from django.utils.crypto import constant_time_compare

    data = import_module(settings.SESSION_ENGINE).SessionStore(session_key).load()
    if str(data.get(SESSION_KEY)) != str(user.pk):
        return False
    return constant_time_compare(data.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash())


def on_logged_out(sender, request=None, user=None, **kwargs) -> None:
    """Logging out closes the sockets the session opened."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None and session_key:
        group_send(user_group(user.pk), {"type": "live.session_ended", "session_key": session_key})


def on_password_changed(sender, request=None, user=None, **kwargs) -> None:
    """A new password ends the other sessions; their sockets re-check and close."""
    if user is not None:
        notify_user(user.pk, "live.refresh")


def on_roles_changed(sender, instance, action: str = "", reverse: bool = False, pk_set=None, **kwargs) -> None:
    """Groups added or removed (m2m_changed on User.groups), or a user saved (post_save, e.g. deactivated):
    their open sockets re-check, after the change commits."""
    from django.db import transaction

    if action and action not in {"post_add", "post_remove", "post_clear"}:
        return
    user_ids = list(pk_set or []) if reverse else [instance.pk]
    for user_id in user_ids:
        transaction.on_commit(lambda user_id=user_id: notify_user(user_id, "live.refresh"))


def on_user_saved(sender, instance, created: bool = False, update_fields=None, **kwargs) -> None:
    """Deactivating a user closes their sockets (only saves that may touch is_active)."""
    if not created and (update_fields is None or "is_active" in update_fields) and not instance.is_active:
        on_roles_changed(sender, instance)


def on_membership_changed(sender, membership, **kwargs) -> None:
    """A membership changed (approved, refused, suspended): the user's open sockets re-check their access."""
    notify_user(membership.user_id, "live.refresh")


def replay_for(user, cursor: tuple[datetime, int]) -> list[dict]:
    """Payloads of the bulletins published to ``user`` after ``cursor``, oldest first, at most REPLAY_LIMIT."""
    from django.db.models import Q

    from accounts.roles import is_officer
    from messaging.bulletins.models import Bulletin

    published_at, bulletin_id = cursor
    after = Q(published_at__gt=published_at) | Q(published_at=published_at, pk__gt=bulletin_id)
    bulletins = Bulletin.objects.filter(after, published_at__isnull=False)
    if not is_officer(user):
        bulletins = bulletins.filter(deliveries__user=user)
    bulletins = bulletins.order_by("published_at", "pk")[:REPLAY_LIMIT]
    return [bulletin_payload(bulletin) for bulletin in bulletins]


def latest_cursor_for(user) -> str:
    """Where a client with no history starts: the newest bulletin published to ``user``, or now if none was,
    so that even a first-time client replays what it misses while disconnected."""
    from accounts.roles import is_officer
    from messaging.bulletins.models import Bulletin

    bulletins = Bulletin.objects.filter(published_at__isnull=False)
    if not is_officer(user):
        bulletins = bulletins.filter(deliveries__user=user)
    latest = bulletins.order_by("-published_at", "-pk").values_list("published_at", "pk").first()
    return make_cursor(*latest) if latest else make_cursor(timezone.now(), 0)
