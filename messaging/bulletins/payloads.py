"""What a live socket sends the browser about a bulletin, and the cursor that orders the stream."""

from datetime import UTC, datetime, timedelta
from typing import Any

from messaging.bulletins.models import Bulletin

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def make_cursor(published_at: datetime, bulletin_id: int) -> str:
    """An opaque, ordered position in the stream of published bulletins: "<microseconds since 1970>:<id>",
    exact integers, so that replay asks for precisely what came after it."""
    return f"{(published_at - _EPOCH) // timedelta(microseconds=1)}:{bulletin_id}"


def parse_cursor(cursor: Any) -> tuple[datetime, int] | None:
    """The position a client sent back, or None when it is not one of ours."""
    if not isinstance(cursor, str) or len(cursor) > 40:
        return None
    try:
        micros, bulletin_id = (int(part) for part in cursor.split(":"))
        return _EPOCH + timedelta(microseconds=micros), bulletin_id
    except (ValueError, OverflowError):
        return None


# The columns bulletin_payload reads: a replay loads these and nothing else (not the body, up to 20 kB each).
PAYLOAD_FIELDS = ("id", "title", "severity", "kind", "marking", "incident", "published_at", "summary")


def bulletin_payload(bulletin: Bulletin) -> dict[str, Any]:
    """What the browser is sent. OFFICIAL-SENSITIVE bulletins go out as title and link only. Reads stored
    columns only (PAYLOAD_FIELDS): no query and no Markdown rendering per bulletin."""
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
            summary=bulletin.summary,
        )
    return payload
