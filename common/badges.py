"""Verified role badges shown beside a person's name: what they are is drawn from the roles they hold (the apps
decide who holds what), never from the display name they typed. Templates show them with
``{% include "includes/role_badges.html" with badges=... %}``."""

from collections.abc import Iterable
from dataclasses import dataclass

# Bootstrap's colours, so that a badge never looks like anything a member can type.
_COLOURS = {"officer": "text-bg-primary", "admin": "text-bg-dark", "moderator": "text-bg-success",
            "lead": "text-bg-info"}


@dataclass(frozen=True)
class RoleBadge:
    kind: str  # officer, admin, moderator or lead: the badge's CSS class is role-<kind>
    label: str

    @property
    def colour(self) -> str:
        return _COLOURS[self.kind]


OFFICER = RoleBadge("officer", "Police liaison officer")
ADMINISTRATOR = RoleBadge("admin", "Administrator")
MODERATOR = RoleBadge("moderator", "Moderator")


def sector_lead(sector_names: Iterable[str]) -> RoleBadge:
    return RoleBadge("lead", f"Sector lead: {', '.join(sorted(sector_names))}")
