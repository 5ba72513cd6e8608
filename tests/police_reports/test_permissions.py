"""Permission matrix: every view of views.py x every role, with the exact status. A report is its author's and
the officers' only: anyone else gets a 404, so that ids tell outsiders nothing."""

import pytest
from django.urls import reverse

from messaging.police_reports.attachments import check_upload
from tests.conftest import ROLES, client_as
from tests.police_reports.conftest import png_bytes, submit, upload

pytestmark = pytest.mark.django_db

MEMBERS = {"anonymous": 302, "unverified": 403, "applicant": 403, "member_a": 200, "member_b": 200, "lead_a": 200,
           "lead_b": 200, "moderator_a": 200}
# Officers have the triage list instead of "your reports", and do not write reports.
MY_REPORTS = {**MEMBERS, "officer": 302, "admin": 302}
CREATE = {**MEMBERS, "officer": 403, "admin": 403}
DIRECTORY = {**MEMBERS, "officer": 200, "admin": 200}
# Member A's report: theirs and the officers'; a 404 for anyone else signed in.
REPORT = {role: 404 for role in ROLES} | {"anonymous": 302, "member_a": 200, "officer": 200, "admin": 200}


@pytest.fixture
def objects(people, westminster):
    report = submit(people.member_a, [westminster], files=[check_upload(upload("photo.png", png_bytes()))])
    return {"report": report, "attachment": report.attachments.get()}


def _args(objects, target):
    if target is None:
        return []
    if target == "attachment":
        return [objects["report"].pk, objects["attachment"].pk]
    return [objects[target].pk]


CASES = [
    ("get", "police_reports:list", None, MY_REPORTS),
    ("get", "police_reports:create", None, CREATE),
    ("get", "police_reports:spocs", None, DIRECTORY),
    ("get", "police_reports:detail", "report", REPORT),
    # Sent empty, the report's page comes back with the error beside the field.
    ("post", "police_reports:message", "report", REPORT),
    ("get", "police_reports:attachment", "attachment", REPORT),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "name", "target", "expected"), CASES, ids=[f"{m} {n}" for m, n, _, _ in CASES])
def test_permission_matrix(client, people, objects, role, method, name, target, expected):
    url = reverse(name, args=_args(objects, target))
    response = getattr(client_as(client, people, role), method)(url)
    assert response.status_code == expected[role]
    if expected[role] == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


def test_an_unknown_report_or_file_is_a_404_for_an_officer_too(client, people, objects):
    client.force_login(people.officer)
    assert client.get(reverse("police_reports:detail", args=[999_999])).status_code == 404
    assert client.get(reverse("police_reports:attachment", args=[objects["report"].pk, 999_999])).status_code == 404


def test_a_method_a_view_does_not_answer_is_405_before_any_lookup(client, people):
    client.force_login(people.member_b)
    assert client.post(reverse("police_reports:detail", args=[999_999])).status_code == 405
    assert client.post(reverse("police_reports:attachment", args=[999_999, 1])).status_code == 405
