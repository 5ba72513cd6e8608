"""{% my_open_reports user %}: the member's open reports with their status, for the dashboard, in one query."""

import pytest
from django.template import Context, Template

from messaging.police_reports.models import PoliceReport
from tests.police_reports.conftest import submit

pytestmark = pytest.mark.django_db

TAG = Template("{% load police_reports %}{% my_open_reports user %}")


def render(user) -> str:
    return TAG.render(Context({"user": user}))


def test_the_member_sees_their_open_reports_with_status_in_constant_queries(people, westminster,
                                                                            django_assert_max_num_queries):
    for number in range(8):
        submit(people.member_a, [westminster], title=f"Open {number}")
    closed = submit(people.member_a, [westminster], title="Closed one")
    PoliceReport.objects.filter(pk=closed.pk).update(status=PoliceReport.Status.CLOSED)
    submit(people.member_b, [westminster], title="Someone else's")
    people.member_a.refresh_from_db()
    with django_assert_max_num_queries(3):
        html = render(people.member_a)
    assert "Open 7" in html and "Open 3" in html and "Open 2" not in html  # the newest five
    assert "More open reports" in html and "Closed one" not in html and "Someone else's" not in html
    assert "New" in html


def test_a_member_without_reports_is_invited_and_officers_and_visitors_see_nothing(people):
    assert "No open reports." in render(people.member_a)
    assert render(people.officer).strip() == ""
    assert render(people.applicant).strip() == ""
    from django.contrib.auth.models import AnonymousUser
    assert render(AnonymousUser()).strip() == ""
