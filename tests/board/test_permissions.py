"""Permission matrix: every board view and action x every role, with the exact status."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from messaging.board import permissions, selectors, services
from messaging.board.models import Forum
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
    # Member A's edit of their approved thread, waiting for forum A's moderators.
    ("post", "board:edit_approve", "edit", MODERATE_THREAD_A),
    ("get", "board:edit_reject", "edit", MODERATE_THREAD_A_PAGE),
    # The composer's preview: a fragment for whoever uses the board, by POST only.
    ("post", "board:preview", None, BOARD_USERS),
    ("get", "board:preview", None, matrix(405)),
]


def _waiting_edit(people, board):
    return services.edit_post(board.first_post, by=people.member_a, title="Thefts on the high street (updated)",
                              body="Three thefts now.").proposal


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "name", "target", "expected"), CASES, ids=[f"{m} {n} {t}" for m, n, t, _ in CASES])
def test_permission_matrix(client, people, forums, board, role, method, name, target, expected):
    objects = {"hub": forums.hub.slug, "forum_a": forums.a.slug, "approved": board.approved.pk,
               "pending": board.pending.pk, "first_post": board.first_post.pk, "reply": board.reply.pk,
               "report": board.report.pk}
    if target == "edit":
        objects["edit"] = _waiting_edit(people, board).pk
    url = reverse(name, args=[objects[target]] if target else [])
    data = {"body": "A reply from the matrix."} if name == "board:reply" else {}
    response = getattr(client_as(client, people, role), method)(url, data)
    assert response.status_code == expected[role]
    if expected[role] == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


# Each loader, called as a member of another sector (member B), then with an id or slug that doesn't exist.
LOADERS = [
    (permissions.access_forum, "forum_a", PermissionDenied),
    (permissions.access_forum_to_post_in, "forum_a", PermissionDenied),
    (permissions.access_moderated_forum, "forum_a", PermissionDenied),
    (permissions.access_thread, "approved", Http404),
    (permissions.access_thread_to_reply_to, "approved", Http404),
    (permissions.access_moderated_thread, "approved", Http404),
    (permissions.access_post, "reply", Http404),
    (permissions.access_editable_post, "first_post", Http404),
    (permissions.access_reportable_post, "reply", Http404),
    (permissions.access_moderated_post, "reply", Http404),
    (permissions.access_report, "report", Http404),
    (permissions.access_moderated_edit, "edit", Http404),
]


@pytest.mark.parametrize(("loader", "target", "refusal"), LOADERS, ids=[loader.__name__ for loader, _, _ in LOADERS])
def test_loaders_refuse_a_member_of_another_sector_and_unknown_objects(people, forums, board, loader, target,
                                                                        refusal):
    objects = {"forum_a": forums.a.slug, "approved": board.approved.pk, "first_post": board.first_post.pk,
               "reply": board.reply.pk, "report": board.report.pk, "edit": _waiting_edit(people, board).pk}
    with pytest.raises(refusal):
        loader(people.member_b, objects[target])
    with pytest.raises(Http404):
        loader(people.moderator_a, "no-such-forum" if target == "forum_a" else 10**9)
    assert loader(people.moderator_a, objects[target]).pk is not None  # and the forum's moderator gets it


def test_loaders_within_the_sector_say_why_with_a_403(people, board):
    for loader, target in [(permissions.access_moderated_thread, board.approved.pk),
                           (permissions.access_moderated_post, board.reply.pk),
                           (permissions.access_report, board.report.pk),
                           (permissions.access_moderated_edit, _waiting_edit(people, board).pk)]:
        with pytest.raises(PermissionDenied, match="Only this forum's moderators"):
            loader(people.member_a, target)
    with pytest.raises(PermissionDenied, match="You can only edit your own posts"):
        permissions.access_editable_post(people.member_a, board.reply.pk)
    with pytest.raises(PermissionDenied, match="You can't reply to this thread."):
        permissions.access_thread_to_reply_to(people.member_a, board.pending.pk)
    services.set_thread_flag(board.approved, by=people.moderator_a, flag="locked", value=True)
    with pytest.raises(PermissionDenied, match="This thread is locked: no new replies."):
        permissions.access_thread_to_reply_to(people.member_a, board.approved.pk)
    assert permissions.access_thread_to_reply_to(people.moderator_a, board.approved.pk) == board.approved


def test_a_hidden_post_is_reportable_by_moderators_only(people, board):
    services.set_post_hidden(board.reply, by=people.moderator_a, hidden=True, reason="Personal data")
    with pytest.raises(Http404):
        permissions.access_reportable_post(people.member_a, board.reply.pk)
    assert permissions.access_reportable_post(people.moderator_a, board.reply.pk) == board.reply


@pytest.mark.parametrize("role", ROLES)
def test_the_forum_query_and_the_read_rule_agree_for_every_role(people, forums, board, role):
    user = getattr(people, role) or AnonymousUser()
    readable = set(selectors.readable_forums(user))
    assert readable == {forum for forum in Forum.objects.all() if permissions.can_read(user, forum)}
    assert permissions.can_use_board(user) == bool(readable)
