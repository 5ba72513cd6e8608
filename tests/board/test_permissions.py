"""Permission matrix: every board view and action x every role, with the exact status."""

import pytest
from django.urls import reverse

from tests.conftest import ROLES, client_as

pytestmark = pytest.mark.django_db


def matrix(default: int, **statuses: int) -> dict[str, int]:
    # Anonymous users go to the login page; unverified users and applicants use no forum at all.
    return {role: default for role in ROLES} | {"anonymous": 302, "unverified": 403, "applicant": 403} | statuses


BOARD_USERS = matrix(200)
FORUM_A_READERS = matrix(403, member_a=200, lead_a=200, moderator_a=200, admin=200)
SEES_THREAD_A = matrix(404, member_a=200, lead_a=200, moderator_a=200, admin=200)
SEES_PENDING_A = matrix(404, member_a=200, moderator_a=200, admin=200)
MODERATOR_PAGE = matrix(403, moderator_a=200, admin=200)
MODERATE_THREAD_A_PAGE = matrix(404, member_a=403, lead_a=403, moderator_a=200, admin=200)
MODERATE_THREAD_A = matrix(404, member_a=403, lead_a=403, moderator_a=302, admin=302)
MODERATE_PENDING_A = matrix(404, member_a=403, moderator_a=302, admin=302)
MODERATE_PENDING_A_PAGE = matrix(404, member_a=403, moderator_a=200, admin=200)

CASES = [
    ("get", "board:forum_list", None, BOARD_USERS),
    ("get", "board:forum", "hub", BOARD_USERS),
    ("get", "board:forum", "forum_a", FORUM_A_READERS),
    ("get", "board:thread_create", "forum_a", FORUM_A_READERS),
    ("get", "board:thread_create", "hub", BOARD_USERS),
    ("get", "board:thread", "approved", SEES_THREAD_A),
    ("get", "board:thread", "pending", SEES_PENDING_A),
    ("post", "board:reply", "approved", matrix(404, member_a=302, lead_a=302, moderator_a=302, admin=302)),
    # Nobody replies to a thread still waiting for approval.
    ("post", "board:reply", "pending", matrix(404, member_a=403, moderator_a=403, admin=403)),
    ("get", "board:post_edit", "first_post", matrix(404, member_a=200, lead_a=403, moderator_a=200, admin=200)),
    ("get", "board:post_history", "first_post", MODERATE_THREAD_A_PAGE),
    ("get", "board:post_report", "reply", SEES_THREAD_A),
    ("post", "board:post_hide", "reply", MODERATE_THREAD_A),
    ("post", "board:post_unhide", "reply", MODERATE_THREAD_A),
    ("get", "board:queue", None, MODERATOR_PAGE),
    ("get", "board:log", "forum_a", MODERATOR_PAGE),
    ("post", "board:thread_approve", "pending", MODERATE_PENDING_A),
    ("get", "board:thread_reject", "pending", MODERATE_PENDING_A_PAGE),
    ("post", "board:thread_lock", "approved", MODERATE_THREAD_A),
    ("post", "board:thread_unlock", "approved", MODERATE_THREAD_A),
    ("post", "board:thread_pin", "approved", MODERATE_THREAD_A),
    ("post", "board:thread_unpin", "approved", MODERATE_THREAD_A),
    ("get", "board:thread_move", "approved", MODERATE_THREAD_A_PAGE),
    ("post", "board:report_resolve", "report", MODERATE_THREAD_A),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "name", "target", "expected"), CASES, ids=[f"{m} {n} {t}" for m, n, t, _ in CASES])
def test_permission_matrix(client, people, forums, board, role, method, name, target, expected):
    objects = {"hub": forums.hub.slug, "forum_a": forums.a.slug, "approved": board.approved.pk,
               "pending": board.pending.pk, "first_post": board.first_post.pk, "reply": board.reply.pk,
               "report": board.report.pk}
    url = reverse(name, args=[objects[target]] if target else [])
    data = {"body": "A reply from the matrix."} if name == "board:reply" else {}
    response = getattr(client_as(client, people, role), method)(url, data)
    assert response.status_code == expected[role]
    if expected[role] == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))
