"""The officers' live grid: told of every answer, rendered once per change for every officer watching."""

from messaging.bulletins import transport
from messaging.bulletins.audience import Audience


def part_name(check_in_id: int) -> str:
    return f"checkin-{check_in_id}-grid"


def answers_changed(check_in_id: int) -> None:
    """After an answer commits: the officers' open grids fetch their part again (coalesced by the stream)."""
    transport.announce(Audience.chosen(everyone=False),
                       {"type": "news", "toast": False, "refresh": [part_name(check_in_id)],
                        "coalesce": f"checkin-{check_in_id}"})
