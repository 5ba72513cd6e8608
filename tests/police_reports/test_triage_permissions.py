"""Permission matrix of the officers' triage: every triage view x every role, with the exact status. Only officers
(and administrators, who are officers everywhere) triage; the report's own author (member A) is refused like any
other member."""

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from messaging.bulletins.models import Bulletin
from messaging.police_reports.models import PoliceReport
from tests.conftest import ROLES, client_as
from tests.police_reports.triage_helpers import make_report

pytestmark = pytest.mark.django_db

OFFICER_ONLY = {role: 403 for role in ROLES} | {"anonymous": 302, "officer": 200, "admin": 200}
OFFICER_ACTION = {role: 403 for role in ROLES} | {"anonymous": 302, "officer": 302, "admin": 302}
# The actions are buttons: a GET is refused (405) once the role has been checked, so it tells outsiders nothing.
OFFICER_POST_ONLY = {role: 403 for role in ROLES} | {"anonymous": 302, "officer": 405, "admin": 405}


@pytest.fixture
def objects(people, westminster):
    report = make_report(people.member_a, boroughs=[westminster], routed_to=[people.officer], title="Van at the yard")
    return {"report": report}


CASES = [
    ("get", "police_reports:triage", None, OFFICER_ONLY),
    # Sent without a status or an officer, the report's page comes back with a message saying what to choose.
    ("post", "police_reports:status", "report", OFFICER_ACTION),
    ("post", "police_reports:assign", "report", OFFICER_ACTION),
    ("post", "police_reports:draft_bulletin", "report", OFFICER_ACTION),
    ("get", "police_reports:status", "report", OFFICER_POST_ONLY),
    ("get", "police_reports:assign", "report", OFFICER_POST_ONLY),
    ("get", "police_reports:draft_bulletin", "report", OFFICER_POST_ONLY),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "name", "target", "expected"), CASES, ids=[f"{m} {n}" for m, n, _, _ in CASES])
def test_permission_matrix(client, people, objects, role, method, name, target, expected):
    url = reverse(name, args=[objects[target].pk] if target else [])
    response = getattr(client_as(client, people, role), method)(url)
    assert response.status_code == expected[role]
    if expected[role] == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", [role for role in ROLES if role not in ("officer", "admin")])
def test_nobody_but_an_officer_changes_a_report(client, people, objects, role):
    report = objects["report"]
    client = client_as(client, people, role)
    client.post(reverse("police_reports:status", args=[report.pk]), {"status": "closed"})
    client.post(reverse("police_reports:assign", args=[report.pk]), {"officer": str(people.officer.pk)})
    client.post(reverse("police_reports:assign", args=[report.pk]), {"to_me": "1"})
    client.post(reverse("police_reports:draft_bulletin", args=[report.pk]))
    report.refresh_from_db()
    assert (report.status, report.assigned_to, report.bulletin) == (PoliceReport.Status.NEW, None, None)
    assert not Bulletin.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="police_report.").exists()


@pytest.mark.parametrize("name", ["police_reports:status", "police_reports:assign", "police_reports:draft_bulletin"])
def test_an_unknown_report_is_404_for_officers_and_403_for_members(client, people, name):
    url = reverse(name, args=[999999])
    assert client_as(client, people, "officer").post(url, {"status": "closed"}).status_code == 404
    client.logout()
    assert client_as(client, people, "member_a").post(url, {"status": "closed"}).status_code == 403


def test_the_triage_list_and_its_live_part_are_refused_to_the_author(client, people, objects):
    client = client_as(client, people, "member_a")
    assert client.get(reverse("police_reports:triage")).status_code == 403
    assert client.get(reverse("police_reports:triage"), {"fragment": "list", "scope": "all"}).status_code == 403
    assert client.get(reverse("police_reports:triage"), {"fragment": "count"}).status_code == 403


def test_a_report_cannot_be_assigned_to_its_author_or_any_member(client, people, objects):
    report = objects["report"]
    client = client_as(client, people, "officer")
    for member in (people.member_a, people.lead_a, people.moderator_a):
        client.post(reverse("police_reports:assign", args=[report.pk]), {"officer": str(member.pk)})
    report.refresh_from_db()
    assert report.assigned_to is None
