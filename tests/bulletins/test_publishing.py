"""The bulletin publisher: audience, publish, inbox, e-mail, acknowledgement, reports."""

import csv
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from messaging.bulletins import services
from messaging.bulletins.models import Bulletin, Delivery
from messaging.bulletins.tasks import send_bulletin_emails
from tests.factories import member_of

pytestmark = pytest.mark.django_db


def compose(client, officer, **overrides):
    data = {
        "kind": "pre_planning", "severity": "advisory", "title": "March on Whitehall",
        "body": "About **20,000** people from noon.", "marking": "official", "ack_requested": "on",
        "location": "Whitehall", **overrides,
    }
    client.force_login(officer)
    return client.post(reverse("bulletins:create"), data)


def test_done_when_flow(client, officer, audience, sector_a, sector_b, westminster, committed):
    # The officer composes a pre-planning notice to two sectors in one borough.
    response = compose(client, officer, sectors=[sector_a.pk, sector_b.pk], boroughs=[westminster.pk])
    bulletin = Bulletin.objects.get(title="March on Whitehall")
    assert response.status_code == 302
    assert bulletin.status == Bulletin.Status.DRAFT

    # The preview count is right: two members, in two organisations.
    page = client.get(bulletin.get_absolute_url()).content.decode()
    assert "Will reach <strong>2</strong> members in <strong>2</strong> organisations" in page

    response = committed(client.post, reverse("bulletins:publish", args=[bulletin.pk]))
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


def test_opening_marks_read_and_acknowledging_is_idempotent(client, officer, audience, sector_a, committed):
    bulletin = Bulletin.objects.create(title="Ack me", body="x", author=officer, ack_requested=True)
    bulletin.sectors.set([sector_a])
    committed(services.publish_bulletin, bulletin, by=officer)
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


def test_unread_count_in_navigation(client, officer, audience, sector_a, committed):
    for n in range(3):
        bulletin = Bulletin.objects.create(title=f"B{n}", body="x", author=officer)
        bulletin.sectors.set([sector_a])
        committed(services.publish_bulletin, bulletin, by=officer)
    client.force_login(audience["retail_camden"])
    page = client.get(reverse("dashboard")).content.decode()
    assert 'id="unread-count" class="badge text-bg-danger" aria-label="unread">3<' in page


def test_email_task_run_twice_sends_once(officer, audience, sector_a, settings, committed):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    bulletin = Bulletin.objects.create(title="Once only", body="x", author=officer)
    bulletin.sectors.set([sector_a])
    committed(services.publish_bulletin, bulletin, by=officer)
    assert len(mail.outbox) == 0  # queued, not sent
    assert send_bulletin_emails.call(bulletin.pk) == 2
    assert send_bulletin_emails.call(bulletin.pk) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [audience["retail_westminster"].email, audience["retail_camden"].email]
    )


def test_worker_dying_mid_batch_leaves_the_rest_for_the_next_run(
    officer, audience, sector_a, settings, monkeypatch, committed
):
    """A worker that dies mid-run has marked what it sent; the next run sends exactly the missing ones."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    bulletin = Bulletin.objects.create(title="Crash test", body="x", author=officer)
    bulletin.sectors.set([sector_a])
    committed(services.publish_bulletin, bulletin, by=officer)

    from messaging.bulletins import tasks

    real_render = tasks.render_email
    calls = {"n": 0}

    def dying_render(bulletin, delivery):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")
        return real_render(bulletin, delivery)

    monkeypatch.setattr(tasks, "render_email", dying_render)
    with pytest.raises(SystemExit):
        send_bulletin_emails.call(bulletin.pk)
    assert len(mail.outbox) == 1
    monkeypatch.setattr(tasks, "render_email", real_render)
    assert send_bulletin_emails.call(bulletin.pk) == 1
    assert len({m.to[0] for m in mail.outbox}) == len(mail.outbox) == 2


def test_sensitive_bulletins_are_not_in_email_bodies(officer, audience, sector_a, committed):
    bulletin = Bulletin.objects.create(
        title="Named premises at risk", body="The Example Store at 1 Oxford Street", author=officer,
        marking=Bulletin.Marking.OFFICIAL_SENSITIVE,
    )
    bulletin.sectors.set([sector_a])
    committed(services.publish_bulletin, bulletin, by=officer)
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert "Oxford Street" not in message.body
        assert "Named premises" not in message.subject + message.body
        assert bulletin.get_absolute_url() in message.body


def test_publish_due_is_idempotent(officer, audience, sector_a, committed):
    bulletin = Bulletin.objects.create(title="Later", body="x", author=officer)
    bulletin.sectors.set([sector_a])
    services.schedule_bulletin(bulletin, when=timezone.now() + timezone.timedelta(minutes=5), by=officer)
    call_command("publish_due", stdout=io.StringIO())
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SCHEDULED
    Bulletin.objects.filter(pk=bulletin.pk).update(scheduled_for=timezone.now() - timezone.timedelta(seconds=1))
    out = io.StringIO()
    committed(call_command, "publish_due", stdout=out)
    assert "Published 1 scheduled bulletin." in out.getvalue()
    call_command("publish_due", stdout=io.StringIO())
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.PUBLISHED
    assert Delivery.objects.filter(bulletin=bulletin).count() == 2
    assert len(mail.outbox) == 2


def test_form_errors_keep_input(client, officer):
    response = compose(client, officer, title="Empty audience", starts_at="2026-12-01T12:00",
                       ends_at="2026-12-01T10:00")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose at least one sector, or tick “Everyone”." in page
    assert "The event cannot end before it starts." in page
    assert 'value="Empty audience"' in page
    assert "About **20,000** people from noon." in page
    assert not Bulletin.objects.exists()


def test_schedule_in_the_past_is_refused(client, officer, sector_a):
    bulletin = Bulletin.objects.create(title="Past", body="x", author=officer)
    bulletin.sectors.set([sector_a])
    client.force_login(officer)
    response = client.post(reverse("bulletins:schedule", args=[bulletin.pk]), {"when": "2020-01-01T10:00"},
                           follow=True)
    assert "Choose a time in the future." in response.content.decode()
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.DRAFT


def test_supersede(client, officer, audience, sector_a, committed):
    old = Bulletin.objects.create(title="Road closed", body="x", author=officer)
    old.sectors.set([sector_a])
    committed(services.publish_bulletin, old, by=officer)
    client.force_login(officer)
    form = client.get(reverse("bulletins:create"), {"supersedes": old.pk}).content.decode()
    assert 'value="Update: Road closed"' in form
    client.post(reverse("bulletins:create"), {
        "kind": "pre_planning", "severity": "info", "title": "Road reopened", "body": "All clear",
        "marking": "official", "sectors": [sector_a.pk], "supersedes": old.pk,
    })
    new = Bulletin.objects.get(title="Road reopened")
    assert new.supersedes == old
    committed(services.publish_bulletin, new, by=officer)
    old.refresh_from_db()
    assert old.status == Bulletin.Status.SUPERSEDED
    client.force_login(audience["retail_camden"])
    assert "superseded by" in client.get(old.get_absolute_url()).content.decode()


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


def test_feedback_only_officers_see(client, officer, audience, sector_a, committed):
    bulletin = Bulletin.objects.create(title="Tell us", body="x", author=officer)
    bulletin.sectors.set([sector_a])
    committed(services.publish_bulletin, bulletin, by=officer)
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
