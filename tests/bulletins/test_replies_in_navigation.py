"""Officers see how many members' replies wait for them in the navigation, on every page."""

import pytest
from django.urls import reverse

from messaging.bulletins import services
from tests.factories import member_of

pytestmark = pytest.mark.django_db


def replies_badge(page: str) -> str:
    start = page.index('id="replies-count"')
    return page[start:page.index("</span>", start)]


def test_the_navigation_counts_unanswered_replies_for_officers_only(client, officer, sector_a, publish):
    bulletin = publish(title="March on Saturday", sectors=[sector_a])
    members = [member_of(sector_a) for _ in range(2)]
    replies = [services.leave_feedback(bulletin, user=member, body="Which streets close?") for member in members]

    client.force_login(officer)
    assert ">2<" in replies_badge(client.get(reverse("dashboard")).content.decode())
    services.mark_feedback_handled(replies[0], by=officer)
    assert ">1<" in replies_badge(client.get(reverse("bulletins:inbox")).content.decode())

    client.force_login(members[0])
    assert 'id="replies-count"' not in client.get(reverse("dashboard")).content.decode()
