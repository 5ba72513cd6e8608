"""Permission matrix: every bulletins view x every role, with the exact status."""

import pytest
from django.urls import reverse

from messaging.board.models import Forum, Thread
from messaging.bulletins import services
from tests.conftest import ROLES, client_as
from tests.factories import BulletinFactory

pytestmark = pytest.mark.django_db

MEMBER_VIEW = {"anonymous": 302, "unverified": 403, "applicant": 403, "member_a": 200, "member_b": 200,
               "lead_a": 200, "lead_b": 200, "moderator_a": 200, "officer": 200, "admin": 200}
SECTOR_A_ONLY = {**MEMBER_VIEW, "member_b": 404, "lead_b": 404}
OFFICER_ONLY = {role: 403 for role in ROLES} | {"anonymous": 302, "officer": 200, "admin": 200}
OFFICER_ACTION = {role: 403 for role in ROLES} | {"anonymous": 302, "officer": 302, "admin": 302}


@pytest.fixture
def objects(people, sector_a, django_capture_on_commit_callbacks):
    published = BulletinFactory(title="To retail", author=people.officer, ack_requested=True, sectors=[sector_a])
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_bulletin(published, by=people.officer)
    draft = BulletinFactory(title="Draft", author=people.officer, sectors=[sector_a])
    incident = services.open_incident(title="Incident A", sectors=[sector_a], boroughs=[], by=people.officer)
    feedback = services.leave_feedback(published, user=people.member_a, body="Seen it")
    thread = Thread.objects.create(forum=Forum.objects.hub(), title="Linked", status=Thread.Status.APPROVED)
    thread_link = services.link_thread(incident, thread, by=people.officer)
    return {"published": published, "draft": draft, "incident": incident, "feedback": feedback,
            "thread_link": thread_link}


CASES = [
    ("get", "bulletins:inbox", None, MEMBER_VIEW),
    ("get", "bulletins:incident_list", None, MEMBER_VIEW),
    ("get", "bulletins:detail", "published", SECTOR_A_ONLY),
    ("get", "bulletins:incident_detail", "incident", SECTOR_A_ONLY),
    ("get", "bulletins:officer_list", None, OFFICER_ONLY),
    ("get", "bulletins:create", None, OFFICER_ONLY),
    ("get", "bulletins:edit", "draft", OFFICER_ONLY),
    ("get", "bulletins:report", "published", OFFICER_ONLY),
    # CAP 1.2 (partner systems' keys: tests/bulletins/test_cap.py); a draft has none, even for officers.
    ("get", "bulletins:cap", "published", OFFICER_ONLY),
    ("get", "bulletins:cap", "draft", {**OFFICER_ONLY, "officer": 404, "admin": 404}),
    ("get", "bulletins:feedback_list", None, OFFICER_ONLY),
    ("get", "bulletins:incident_create", None, OFFICER_ONLY),
    ("get", "bulletins:incident_update", "incident", OFFICER_ONLY),
    ("get", "bulletins:incident_resolve", "incident", OFFICER_ONLY),
    ("get", "bulletins:publish", "draft", OFFICER_ONLY),  # the confirmation naming the audience's size
    ("post", "bulletins:publish", "draft", OFFICER_ACTION),
    # Sent without a time, the bulletin's page comes back with the error beside the field.
    ("post", "bulletins:schedule", "draft", OFFICER_ONLY),
    ("post", "bulletins:unschedule", "draft", OFFICER_ACTION),
    ("get", "bulletins:withdraw", "published", OFFICER_ONLY),
    ("post", "bulletins:withdraw", "published", OFFICER_ONLY),  # no reason given: the form comes back
    ("post", "bulletins:feedback_answer", "feedback", OFFICER_ONLY),  # no answer given: the form comes back
    ("post", "bulletins:feedback_handled", "feedback", OFFICER_ACTION),
    ("get", "bulletins:template_list", None, OFFICER_ONLY),
    ("get", "bulletins:template_create", None, OFFICER_ONLY),
    # Members of A were asked to acknowledge; officers received nothing to acknowledge.
    ("post", "bulletins:acknowledge", "published",
     {**SECTOR_A_ONLY, "member_a": 302, "lead_a": 302, "moderator_a": 302, "officer": 403, "admin": 403}),
    ("post", "bulletins:feedback", "published",
     {**SECTOR_A_ONLY, "member_a": 200, "lead_a": 200, "moderator_a": 200}),
    # The incident room's linked forum threads: nothing typed, the room comes back with the error beside the field.
    ("get", "bulletins:incident_link_thread", "incident", OFFICER_ACTION),  # the form lives in the room: sent there
    ("post", "bulletins:incident_link_thread", "incident", OFFICER_ONLY),
    ("post", "bulletins:incident_unlink_thread", "thread_link", OFFICER_ACTION),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "name", "target", "expected"), CASES, ids=[f"{m} {n}" for m, n, _, _ in CASES])
def test_permission_matrix(client, people, objects, role, method, name, target, expected):
    url = reverse(name, args=[objects[target].pk] if target else [])
    response = getattr(client_as(client, people, role), method)(url)
    assert response.status_code == expected[role]
    if expected[role] == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


def test_incidents_follow_the_borough_rule(client, officer, audience, sector_a, camden):
    incident = services.open_incident(title="Camden only", sectors=[sector_a], boroughs=[camden], by=officer)
    client.force_login(audience["retail_westminster"])  # Retail, premises in Westminster only
    assert client.get(reverse("bulletins:incident_detail", args=[incident.pk])).status_code == 404
    client.force_login(audience["retail_camden"])
    assert client.get(reverse("bulletins:incident_detail", args=[incident.pk])).status_code == 200


def test_a_method_a_view_does_not_answer_is_405_before_any_lookup(client, people):
    client.force_login(people.member_b)
    assert client.get(reverse("bulletins:acknowledge", args=[999_999])).status_code == 405
