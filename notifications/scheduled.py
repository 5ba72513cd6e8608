"""The notifications app's part of the scheduler's round (manage.py publish_due): release what quiet hours held,
claim and queue the daily digests due, queue again the digests a dead worker left. Each step is safe to run every
round and from two schedulers at once."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from notifications import digest, quiet


@dataclass(frozen=True)
class Round:
    released_bulletins: list[int]
    released_forum: list[int]
    digests: list[int]
    resumed_digests: list[int]


def run(now: datetime | None = None) -> Round:
    now = now or timezone.now()
    return Round(released_bulletins=quiet.release_bulletins(now), released_forum=quiet.release_forum(now),
                 digests=digest.claim_due(now), resumed_digests=digest.resume_unsent(now))


def describe(outcome: Round) -> list[str]:
    """One line per step that did something, for the scheduler's output."""
    def plural(count: int, word: str) -> str:
        return f"{count} {word}{'s' if count != 1 else ''}"

    lines = []
    if outcome.released_bulletins:
        held = plural(len(outcome.released_bulletins), "bulletin")
        lines.append(f"Released the e-mails quiet hours held of {held}.")
    if outcome.released_forum:
        members = plural(len(outcome.released_forum), "member")
        lines.append(f"Released the forum e-mails quiet hours held for {members}.")
    if outcome.digests:
        lines.append(f"Queued the daily digests of {plural(len(outcome.digests), 'member')}.")
    if outcome.resumed_digests:
        lines.append(f"Queued again {plural(len(outcome.resumed_digests), 'unsent daily digest')}.")
    return lines
