"""Publishing and reading: the audience, publish, inbox, reading, acknowledgement, feedback, reports."""

import csv
import io

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from common import once
from messaging.bulletins import services
from messaging.bulletins.models import Bulletin, Delivery
from tests.bulletins.pages import once_token
from tests.bulletins.test_drafts import compose
from tests.factories import member_of

pytestmark = pytest.mark.django_db


def test_a_bulletin_reaches_exactly_its_audience_by_inbox_and_email_and_the_report_shows_it(
    client, officer, audience, sector_a, sector_b, westminster, committed
):
    # The officer composes a pre-planning notice to two sectors in one borough.
    response = compose(client, officer, sectors=[sector_a.pk, sector_b.pk], boroughs=[westminster.pk])
    bulletin = Bulletin.objects.get(title="March on Whitehall")
    assert response.status_code == 302
    assert bulletin.status == Bulletin.Status.DRAFT

    # The preview count is right: two members, in two organisations.
    page = client.get(bulletin.get_absolute_url()).content.decode()
    assert "Will reach <strong>2</strong> members in <strong>2</strong> organisations" in page

    # Publishing asks first, naming the audience's size.
    publish = reverse("bulletins:publish", args=[bulletin.pk])
    confirmation = client.get(publish).content.decode()
    assert "Publish to 2 members</button>" in confirmation
    response = committed(client.post, publish, {once.FIELD: once_token(confirmation, publish)})
    assert response.status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.PUBLISHED
    assert bulletin.recipient_count == 2

    # The right members, and only they, get it in their inbox and by e-mail.
    recipients = {audience["retail_westminster"], audience["bank_westminster"]}
    assert {m.to[0] for m in mail.outbox} == {u.email for u in recipients}
    assert all("March on Whitehall" in m.subject for m in mail.outbox)
    for name, user in audience.items():
        client.force_login(user)
        inbox = client.get(reverse("bulletins:inbox")).content.decode()
        assert ("March on Whitehall" in inbox) == (user in recipients), name
        status = client.get(bulletin.get_absolute_url()).status_code
        assert status == (200 if user in recipients else 404), name

    # They acknowledge; the officer's report shows it.
    for user in recipients:
        client.force_login(user)
        assert client.post(reverse("bulletins:acknowledge", args=[bulletin.pk])).status_code == 302
    client.force_login(officer)
    report = client.get(reverse("bulletins:report", args=[bulletin.pk])).content.decode()
    assert "acknowledged <strong>2</strong>" in report
    assert "Westminster Retail Ltd" in report and "Westminster Bank plc" in report
    assert "Camden Shops Ltd" not in report

    rows = list(csv.DictReader(io.StringIO(
        client.get(reverse("bulletins:report", args=[bulletin.pk]), {"format": "csv"}).content.decode()
    )))
    assert sorted(r["member"] for r in rows) == ["Barry Bank", "Rita Retail"]
    assert all(r["acknowledged_at"] and r["emailed_at"] for r in rows)


def test_opening_marks_read_and_acknowledging_is_idempotent(client, audience, sector_a, publish):
    bulletin = publish(title="Ack me", sectors=[sector_a], ack_requested=True)
    member = audience["retail_camden"]
    client.force_login(member)
    inbox = client.get(reverse("bulletins:inbox")).content.decode()
    assert "Unread: </span>Ack me" in inbox
    client.get(bulletin.get_absolute_url())
    delivery = Delivery.objects.get(bulletin=bulletin, user=member)
    assert delivery.read_at is not None
    client.post(reverse("bulletins:acknowledge", args=[bulletin.pk]))
    first = Delivery.objects.get(pk=delivery.pk).acknowledged_at
    response = client.post(reverse("bulletins:acknowledge", args=[bulletin.pk]), follow=True)
    assert "You had already acknowledged this bulletin." in response.content.decode()
    assert Delivery.objects.get(pk=delivery.pk).acknowledged_at == first


def test_the_live_fragment_does_not_mark_read(client, audience, sector_a, publish):
    bulletin = publish(title="Fragment", sectors=[sector_a])
    member = audience["retail_westminster"]
    client.force_login(member)
    client.get(bulletin.get_absolute_url() + "?fragment=update")
    assert Delivery.objects.get(bulletin=bulletin, user=member).read_at is None
    client.get(bulletin.get_absolute_url())
    assert Delivery.objects.get(bulletin=bulletin, user=member).read_at is not None


def test_mark_read_keeps_the_first_read_and_returns_the_delivery(audience, officer, sector_a, publish):
    bulletin = publish(title="Read me", sectors=[sector_a])
    member = audience["retail_westminster"]
    first = services.mark_read(bulletin, user=member)
    assert first is not None and first.read_at is not None
    again = services.mark_read(bulletin, user=member)
    assert again.pk == first.pk and again.read_at == first.read_at
    assert services.mark_read(bulletin, user=officer) is None  # officers read without a delivery


def test_unread_count_in_navigation(client, audience, sector_a, publish):
    for n in range(3):
        publish(title=f"B{n}", sectors=[sector_a])
    client.force_login(audience["retail_camden"])
    page = client.get(reverse("dashboard")).content.decode()
    assert 'id="unread-count" class="badge text-bg-danger" aria-label="unread">3<' in page


def test_incident_timeline_newest_first_and_resolution(client, officer, audience, sector_a):
    incident = services.open_incident(title="Suspicious package", sectors=[sector_a], boroughs=[], by=officer)
    for title in ["Cordon in place", "Station closed", "Cordon reducing"]:
        services.post_incident_update(incident, title=title, body="details", severity="warning", by=officer)
    services.resolve_incident(incident, body="All clear", by=officer)
    client.force_login(audience["retail_camden"])
    page = client.get(incident.get_absolute_url()).content.decode()
    positions = [page.index(t) for t in ["Resolved: Suspicious package", "Cordon reducing", "Station closed",
                                         "Cordon in place"]]
    assert positions == sorted(positions)
    assert "Resolved" in page
    client.force_login(audience["bank_westminster"])
    assert client.get(incident.get_absolute_url()).status_code == 404


def test_feedback_only_officers_see(client, officer, audience, sector_a, publish):
    bulletin = publish(title="Tell us", sectors=[sector_a])
    member = audience["retail_camden"]
    client.force_login(member)
    client.post(reverse("bulletins:feedback", args=[bulletin.pk]), {"body": "We saw a crowd gathering"})
    assert client.get(reverse("bulletins:feedback_list")).status_code == 403
    client.force_login(officer)
    assert "We saw a crowd gathering" in client.get(reverse("bulletins:feedback_list")).content.decode()


@pytest.mark.parametrize("rows", [10, 200])
def test_inbox_and_report_query_counts_are_bounded(client, officer, sector_a, rows, django_assert_max_num_queries):
    member = member_of(sector_a)
    others = [member_of(sector_a) for _ in range(3)]
    bulletins = Bulletin.objects.bulk_create(
        [Bulletin(title=f"Bulletin {n}", body="x", author=officer, status="published",
                  published_at=timezone.now()) for n in range(rows)]
    )
    Delivery.objects.bulk_create([Delivery(bulletin=b, user=u) for b in bulletins for u in [member, *others]])
    client.force_login(member)
    client.get(reverse("dashboard"))  # the session's first request also records it (allauth.usersessions)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("bulletins:inbox")).status_code == 200
    client.force_login(officer)
    client.get(reverse("dashboard"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("bulletins:report", args=[bulletins[0].pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("bulletins:officer_list")).status_code == 200


@pytest.mark.parametrize(("name", "prefix", "button"), [
    ("bulletins:incident_update", "update", "Publish update"),
    ("bulletins:incident_resolve", "resolve", "Resolve and send final update"),
])
def test_an_incident_form_with_errors_comes_back_on_the_incidents_full_page(client, officer, audience, sector_a,
                                                                             committed, name, prefix, button):
    incident = services.open_incident(title="Power cut in Soho", sectors=[sector_a], boroughs=[], by=officer)
    committed(services.post_incident_update, incident, title="Cordon on Dean Street", body="Avoid the area.",
              severity="warning", by=officer)
    client.force_login(officer)
    typed = {"update-title": "Typed title", "update-body": ""} if prefix == "update" else {"resolve-body": ""}
    response = client.post(reverse(name, args=[incident.pk]), typed)
    page = response.content.decode()
    assert response.status_code == 200
    # The whole incident page, timeline included, with the form sent back open, its error and what was typed.
    assert '<h1 class="h3 mb-0">Power cut in Soho</h1>' in page and "Cordon on Dean Street" in page
    assert f">{button}</button>" in page and "This field is required." in page
    assert "<title>Power cut in Soho (active incident) · The Hub</title>" in page
    assert '<details class="card mb-3" open>' in page
    if prefix == "update":
        assert 'value="Typed title"' in page
    assert incident.updates.count() == 1
