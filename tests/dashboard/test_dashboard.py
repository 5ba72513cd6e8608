"""The dashboard leads with what waits for the user: a member's bulletins to read or acknowledge, then active
incidents, then forum activity; an officer's drafts, scheduled bulletins, active incidents and members' replies."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from messaging.board import services as board_services
from messaging.board.models import Forum
from messaging.bulletins import services
from messaging.bulletins.models import Bulletin, Delivery, Feedback, Incident
from tests.factories import BulletinFactory, member_of, officer_user

pytestmark = pytest.mark.django_db
MAX_QUERIES = 12  # the portal-wide bar (DESIGN.md)


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    def run(by, **fields) -> Bulletin:
        bulletin = BulletinFactory(author=by, **fields)
        with django_capture_on_commit_callbacks(execute=True):
            services.publish_bulletin(bulletin, by=by)
        bulletin.refresh_from_db()
        return bulletin
    return run


def _page(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def test_member_sees_unread_and_unacknowledged_bulletins_before_incidents_and_forum_activity(
        client, sector_a, officer, publish):
    member = member_of(sector_a)
    read_but_unacknowledged = publish(officer, title="Acknowledge the road closures", sectors=[sector_a],
                                      ack_requested=True)
    unread = publish(officer, title="Fresh fraud alert", sectors=[sector_a])
    done = publish(officer, title="Read and done with", sectors=[sector_a])
    services.mark_read(read_but_unacknowledged, user=member)
    services.mark_read(done, user=member)
    incident = services.open_incident(title="Suspicious package at the station", sectors=[sector_a], boroughs=[],
                                      by=officer)
    services.open_incident(title="Resolved long ago", sectors=[sector_a], boroughs=[], by=officer)
    Incident.objects.filter(title="Resolved long ago").update(status=Incident.Status.RESOLVED)
    board_services.start_thread(Forum.objects.hub(), author=officer, title="Parade route discussion", body="Route")

    page = _page(client, member)

    assert read_but_unacknowledged.title in page and unread.title in page
    assert done.title not in page, "a bulletin read (and needing no acknowledgement) no longer waits"
    assert "Please acknowledge" in page
    assert incident.title in page and "Resolved long ago" not in page
    positions = [page.index(text) for text in (read_but_unacknowledged.title, unread.title, incident.title,
                                               "Parade route discussion")]
    assert positions == sorted(positions), "bulletins first, then incidents, then forum activity"


def test_the_five_bulletins_shown_are_those_awaiting_acknowledgement_newest_first_then_the_newest_unread(
        client, sector_a, officer, publish):
    """Read from two index ranges (dashboard.selectors.bulletins_for_attention), the rows are still the first five
    of one order: waiting for an acknowledgement first, then unread, newest first within each."""
    member = member_of(sector_a)
    published = {}
    for name, ack in [("ack read", True), ("plain unread 1", False), ("ack unread", True), ("plain read", False),
                      ("plain unread 2", False), ("ack done", True), ("plain unread 3", False), ("ack newest", True)]:
        published[name] = publish(officer, title=f"Bulletin {name}", sectors=[sector_a], ack_requested=ack)
    for name in ("ack read", "plain read"):
        services.mark_read(published[name], user=member)
    services.acknowledge(published["ack done"], user=member)

    page = _page(client, member)

    shown = ["ack newest", "ack unread", "ack read", "plain unread 3", "plain unread 2"]
    positions = [page.index(f"Bulletin {name}<") for name in shown]
    assert positions == sorted(positions)
    for name in ("plain unread 1", "plain read", "ack done"):
        assert f"Bulletin {name}<" not in page


def test_member_outside_the_audience_sees_neither_the_bulletin_nor_the_incident(client, sector_a, sector_b,
                                                                                officer, publish):
    outsider = member_of(sector_b)
    publish(officer, title="Retail only", sectors=[sector_a])
    services.open_incident(title="Retail incident", sectors=[sector_a], boroughs=[], by=officer)
    page = _page(client, outsider)
    assert "Retail only" not in page and "Retail incident" not in page
    assert "No active incidents." in page


def test_officer_sees_drafts_scheduled_incidents_and_member_replies_not_apply_to_a_sector(
        client, sector_a, officer, publish):
    BulletinFactory(author=officer, title="My draft notice")
    BulletinFactory(author=officer_user(), title="Someone else's draft")
    scheduled = BulletinFactory(author=officer, title="Going out tomorrow")
    services.schedule_bulletin(scheduled, when=timezone.now() + timedelta(days=1), by=officer)
    services.open_incident(title="Power cut in the West End", sectors=[], boroughs=[], by=officer)
    published = publish(officer, title="Tell us what you see", sectors=[sector_a])
    services.leave_feedback(published, user=member_of(sector_a, display_name="Replying Member"),
                            body="We saw a crowd")
    handled = services.leave_feedback(published, user=member_of(sector_a, display_name="Answered Member"),
                                      body="All fine here")
    services.mark_feedback_handled(handled, by=officer)

    page = _page(client, officer)

    assert "My draft notice" in page and "Someone else&#x27;s draft" not in page
    assert "Going out tomorrow" in page
    assert "Power cut in the West End" in page
    assert "Replying Member" in page and "Tell us what you see" in page
    assert "Answered Member" not in page, "a reply already dealt with waits for nobody"
    assert 'id="dashboard-unanswered-count">1<' in page
    assert "Apply to a sector" not in page and reverse("sectors:apply") not in page


def test_applicant_sees_no_bulletin_or_incident_sections(client, people):
    page = _page(client, people.applicant)
    assert "Bulletins for you" not in page and "Active incidents" not in page
    assert "Apply to a sector" in page


def _bulk(sector, officer, member, rows: int) -> None:
    now = timezone.now()
    bulletins = Bulletin.objects.bulk_create(
        Bulletin(title=f"Bulk {n}", body="x", author=officer, status="published", published_at=now,
                 ack_requested=n % 2 == 0) for n in range(rows))
    Delivery.objects.bulk_create(Delivery(bulletin=b, user=member) for b in bulletins)
    Feedback.objects.bulk_create(Feedback(bulletin=b, author=member, body="reply") for b in bulletins)
    Bulletin.objects.bulk_create(Bulletin(title=f"Draft {n}", body="x", author=officer) for n in range(rows))
    Bulletin.objects.bulk_create(Bulletin(title=f"Later {n}", body="x", author=officer, status="scheduled",
                                          scheduled_for=now + timedelta(days=1)) for n in range(rows))
    incidents = Incident.objects.bulk_create(Incident(title=f"Incident {n}", opened_by=officer) for n in range(rows))
    for incident in incidents[:3]:
        incident.sectors.add(sector)


@pytest.mark.parametrize("rows", [10, 200])
@pytest.mark.parametrize("role", ["member", "officer", "moderator_and_lead"])
def test_dashboard_query_count_is_bounded(client, people, sector_a, rows, role, django_assert_max_num_queries):
    """The busiest dashboards: a member of a busy sector, an officer, and a lead who also moderates (the most
    sections and navigation counters)."""
    member = people.lead_a if role == "moderator_and_lead" else member_of(sector_a)
    roles.make_moderator(people.lead_a, Forum.objects.hub())
    _bulk(sector_a, people.officer, member, rows)
    user = people.officer if role == "officer" else member
    client.force_login(user)
    client.get(reverse("dashboard"))  # the session's first request loads more than later ones
    with django_assert_max_num_queries(MAX_QUERIES):
        page = client.get(reverse("dashboard")).content.decode()
    assert ("Draft " if role == "officer" else "Bulk ") in page
