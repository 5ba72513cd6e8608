"""One permission matrix across the portal: every URL pattern of ours must have a row for every role.

Each app's rows live beside its tests (tests/<app>/test_permissions.py, run there); this module walks the
URL resolver, so a new view that nobody added to a matrix fails here. Django's admin and allauth's own
pages are third-party views with their own tests; the admin's front door is checked below.
"""

import pytest
from django.urls import URLResolver, get_resolver, reverse

from tests.accounts.test_profile import CASES as PROFILE_CASES
from tests.board.test_permissions import CASES as BOARD_CASES
from tests.bridge.test_minutes_permissions import CASES as BRIDGE_MINUTES_CASES
from tests.bridge.test_permissions import CASES as BRIDGE_CASES
from tests.bulletins.test_permissions import CASES as BULLETIN_CASES
from tests.checkins.test_grid_permissions import CASES as CHECKIN_GRID_CASES
from tests.checkins.test_permissions import CASES as CHECKIN_CASES
from tests.conftest import ROLES, client_as
from tests.feeds.test_permissions import CASES as FEED_CASES
from tests.notifications.test_permissions import CASES as NOTIFICATION_CASES
from tests.notifications.test_preferences_permissions import CASES as PREFERENCE_CASES
from tests.police_reports.test_permissions import CASES as POLICE_REPORT_CASES
from tests.police_reports.test_triage_permissions import CASES as TRIAGE_CASES
from tests.search.test_permissions import CASES as SEARCH_CASES
from tests.sectors.test_permissions import CASES as SECTOR_CASES

THIRD_PARTY_NAMESPACES = {"admin"}
THIRD_PARTY_PREFIXES = ("account_", "mfa_", "usersessions_")

EVERYONE = {role: 200 for role in ROLES}
HUB_CASES = [
    ("get", "home", None, {role: 302 for role in ROLES} | {"anonymous": 200}),
    ("get", "dashboard", None, EVERYONE | {"anonymous": 302}),
    ("get", "healthz", None, EVERYONE),
    ("get", "admin:index", None, {role: 302 for role in ROLES} | {"admin": 200}),
]
ALL_CASES = (HUB_CASES + SECTOR_CASES + BOARD_CASES + BULLETIN_CASES + BRIDGE_CASES + BRIDGE_MINUTES_CASES
             + CHECKIN_CASES + CHECKIN_GRID_CASES + POLICE_REPORT_CASES + TRIAGE_CASES + FEED_CASES
             + NOTIFICATION_CASES + PREFERENCE_CASES + SEARCH_CASES + PROFILE_CASES)


def _walk(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else (
                pattern.namespace or namespace)
            yield from _walk(pattern.url_patterns, inner)
        elif pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def our_url_names() -> set[str]:
    return {
        name for name in _walk(get_resolver().url_patterns)
        if name.split(":")[0] not in THIRD_PARTY_NAMESPACES and not name.startswith(THIRD_PARTY_PREFIXES)
    }


def test_every_url_pattern_is_in_a_matrix():
    covered = {name for _, name, _, _ in ALL_CASES}
    assert our_url_names() - covered == set(), "add these views to a permission matrix"
    assert len(our_url_names()) > 40  # the walk really found the portal's views


@pytest.mark.parametrize("case", ALL_CASES, ids=[f"{method} {name}" for method, name, _, _ in ALL_CASES])
def test_every_row_names_every_role(case):
    assert set(case[3]) == set(ROLES)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "name", "target", "expected"), HUB_CASES, ids=[c[1] for c in HUB_CASES])
def test_hub_pages(client, people, role, method, name, target, expected):
    response = getattr(client_as(client, people, role), method)(reverse(name))
    assert response.status_code == expected[role]
