"""What a live socket sends the browser about a bulletin, and the cursor that orders the stream."""

from typing import Any

from messaging.bulletins.models import Bulletin

# Bulletin.sequence reaches 2**63 - 1 at most: 19 digits.
MAX_CURSOR_DIGITS = 19


def make_cursor(sequence: int) -> str:
    """An opaque, ordered position in the stream of published bulletins: the bulletin's sequence number (commit
    order, see services.publish_bulletin), so that a replay asks for precisely what came after it."""
    return str(sequence)


def parse_cursor(cursor: Any) -> int | None:
    """The position a client sent back, or None when it is not one of ours (an older client's "<time>:<id>"
    cursor included: live.js drops those and starts again from the hello)."""
    if not isinstance(cursor, str) or not cursor.isascii() or not cursor.isdigit() or len(cursor) > MAX_CURSOR_DIGITS:
        return None
    return int(cursor)


# The columns bulletin_payload reads: a replay loads these and nothing else (not the body, up to 20 kB each).
# The incident's title comes with it when the query joins it (select_related("incident") and "incident__title").
PAYLOAD_FIELDS = ("id", "title", "severity", "kind", "marking", "incident", "published_at", "summary", "sequence",
                  "author")


def bulletin_payload(bulletin: Bulletin) -> dict[str, Any]:
    """What the browser is sent. OFFICIAL-SENSITIVE bulletins go out as title and link only. Reads stored
    columns only (PAYLOAD_FIELDS): no query and no Markdown rendering per bulletin."""
    payload = {
        "type": "bulletin",
        "id": bulletin.pk,
        "cursor": make_cursor(bulletin.sequence),
        "title": bulletin.title,
        "url": bulletin.get_absolute_url(),
        "severity": bulletin.severity,
        "sensitive": bulletin.is_sensitive,
        "incident": bulletin.incident_id,  # an id, not content: lets an open timeline fetch the update
        # Who published it (an id): an officer's page does not toast their own updates when it replays them.
        "author": bulletin.author_id,
    }
    if not bulletin.is_sensitive:
        payload.update(
            kind=bulletin.kind,
            kind_label=bulletin.get_kind_display(),
            severity_label=bulletin.get_severity_display(),
            summary=bulletin.summary,
        )
        # The incident's name, for a toast to say which incident an update is about: only when the caller loaded
        # it (select_related("incident")), so that a payload never costs a query of its own.
        if bulletin.incident_id and Bulletin.incident.is_cached(bulletin) and bulletin.incident is not None:
            payload["incident_title"] = bulletin.incident.title
    return payload
