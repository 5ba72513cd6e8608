"""Permission matrix: every notifications view and action x every role, with the exact status."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from messaging.board import services as board
from notifications import permissions
from notifications.models import Notification
from tests.conftest import ROLES, client_as

pytestmark = pytest.mark.django_db


def matrix(default: int, **statuses: int) -> dict[str, int]:
    # Anonymous users go to the login page; unverified users and applicants use no forum, so no bell either.
    return {role: default for role in ROLES} | {"anonymous": 302, "unverified": 403, "applicant": 403} | statuses


BOARD_USERS = matrix(200)
BOARD_ACTION = matrix(302)
FORUM_A_ACTION = matrix(403, member_a=302, lead_a=302, moderator_a=302, admin=302)

CASES = [
    ("get", "notifications:list", None, BOARD_USERS),
    ("get", "notifications:bell", None, BOARD_USERS),
    ("post", "notifications:read_all", None, BOARD_ACTION),
    # Member A's notification: theirs alone; anyone else is told it does not exist. Opening is a POST.
    ("post", "notifications:open", "note", matrix(404, member_a=302)),
    ("get", "notifications:open", "note", matrix(405)),
    # Levels and "mark all read": the forum's readers (the board's rule: a 403 naming the forum for the others).
    ("post", "notifications:forum_level", "forum_a", FORUM_A_ACTION),
    ("post", "notifications:forum_level", "hub", BOARD_ACTION),
    ("post", "notifications:forum_read", "forum_a", FORUM_A_ACTION),
    ("post", "notifications:forum_read", "hub", BOARD_ACTION),
    ("post", "notifications:thread_level", "approved", matrix(404, member_a=302, lead_a=302, moderator_a=302,
                                                               admin=302)),
    # A pending thread: its author and the forum's moderators (a 404 for everyone else: its title is a secret).
    ("post", "notifications:thread_level", "pending", matrix(404, member_a=302, moderator_a=302, admin=302)),
]


@pytest.fixture
def objects(people, forums, moderator, thread):
    pending = board.start_thread(forums.a, author=people.member_a, title="Skimmers?", body="Found one.")
    note = Notification.objects.create(user=people.member_a, kind=Notification.Kind.THREAD_APPROVED,
                                       thread=thread, text="Your thread was approved", url=thread.get_absolute_url())
    return {"hub": forums.hub.slug, "forum_a": forums.a.slug, "approved": thread.pk, "pending": pending.pk,
            "note": note.pk}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "name", "target", "expected"), CASES, ids=[f"{m} {n} {t}" for m, n, t, _ in CASES])
def test_permission_matrix(client, people, objects, role, method, name, target, expected):
    url = reverse(name, args=[objects[target]] if target else [])
    response = getattr(client_as(client, people, role), method)(url, {"level": "watching"} if "level" in name else {})
    assert response.status_code == expected[role]
    if expected[role] == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


def test_loaders_refuse_others_and_unknown_objects(people, objects):
    with pytest.raises(Http404):
        permissions.access_own_notification(people.lead_a, objects["note"])
    with pytest.raises(Http404):
        permissions.access_own_notification(people.member_a, 10**9)
    assert permissions.access_own_notification(people.member_a, objects["note"]).pk == objects["note"]
    with pytest.raises(PermissionDenied):
        permissions.access_forum(people.member_b, objects["forum_a"])
    with pytest.raises(Http404):
        permissions.access_thread(people.member_b, objects["approved"])
    with pytest.raises(Http404):
        permissions.access_thread(people.lead_a, objects["pending"])
