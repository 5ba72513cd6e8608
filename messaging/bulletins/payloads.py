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
    """What the browser is sent. An OFFICIAL-SENSITIVE bulletin goes out as SENSITIVE_PLACEHOLDER and its link:
    no title, summary, kind or incident title (a socket is a channel out of the portal: a shared screen, a
    notification on a lock screen). Reads stored columns only (PAYLOAD_FIELDS): no query and no Markdown
    rendering per bulletin. Every live path (publish, replay, check-in carriers, bridge summaries) comes here."""
    payload = {
        "type": "bulletin",
        "id": bulletin.pk,
        "cursor": make_cursor(bulletin.sequence),
        "title": bulletin.title_outside,
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
        # A check-in's question (messaging.checkins): its answers, as buttons to the answer form, from the
        # check-in's stored column, when the caller joined it (select_related("check_in")).
        if (check_in := _carried_check_in(bulletin)) is not None and check_in.closed_at is None:
            payload["check_in"] = check_in.live_answers
    return payload


def _carried_check_in(bulletin: Bulletin):
    """The check-in this bulletin carries, only when the caller's query joined it (never a query here)."""
    descriptor = getattr(Bulletin, "check_in", None)
    if descriptor is None or not descriptor.is_cached(bulletin):
        return None
    return descriptor.related.get_cached_value(bulletin)  # None for a bulletin that carries none
