"""Edges found in review: what must not leak, crash or reach the wrong person."""

import pytest
from django.core import mail
from django.urls import reverse

from messaging.bulletins import services
from messaging.bulletins.models import Bulletin, Delivery
from messaging.bulletins.tasks import send_bulletin_emails
from sectors.models import Membership

pytestmark = pytest.mark.django_db


def published(officer, sectors, committed, **fields) -> Bulletin:
    bulletin = Bulletin.objects.create(author=officer, body=fields.pop("body", "Details."), **fields)
    bulletin.sectors.set(sectors)
    committed(services.publish_bulletin, bulletin, by=officer)
    return bulletin


def test_a_draft_successor_is_not_shown_to_members(client, officer, audience, sector_a, committed):
    old = published(officer, [sector_a], committed, title="Original")
    client.force_login(officer)
    client.post(reverse("bulletins:create") + f"?supersedes={old.pk}", {
        "kind": "pre_planning", "severity": "info", "title": "Secret successor", "body": "x",
        "sectors": [sector_a.pk], "marking": "official", "supersedes": old.pk})
    assert Bulletin.objects.filter(title="Secret successor", supersedes=old).exists()
    client.force_login(audience["retail_westminster"])
    assert "Secret successor" not in client.get(old.get_absolute_url()).content.decode()


def test_supersede_links_never_crash(client, officer, audience, sector_a, committed):
    old = published(officer, [sector_a], committed, title="Original")
    client.force_login(officer)
    for value in ["²", "abc", "9" * 40]:
        assert client.get(reverse("bulletins:create") + f"?supersedes={value}").status_code == 200
    Bulletin.objects.create(title="First successor", body="x", author=officer, supersedes=old)
    # Already superseded by a draft: it is no longer offered.
    assert client.get(reverse("bulletins:create") + f"?supersedes={old.pk}").status_code == 404


def test_incidents_follow_the_borough_rule(client, officer, audience, sector_a, camden):
    incident = services.open_incident(title="Camden only", sectors=[sector_a], boroughs=[camden], by=officer)
    client.force_login(audience["retail_westminster"])  # Retail, premises in Westminster only
    assert client.get(reverse("bulletins:incident_detail", args=[incident.pk])).status_code == 404
    client.force_login(audience["retail_camden"])
    assert client.get(reverse("bulletins:incident_detail", args=[incident.pk])).status_code == 200


def test_no_email_to_someone_suspended_after_publishing(officer, audience, sector_a, settings, committed):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    bulletin = published(officer, [sector_a], committed, title="Later e-mail")
    suspended = audience["retail_camden"]
    Membership.objects.filter(user=suspended).update(status="suspended")
    send_bulletin_emails.call(bulletin.pk)
    recipients = {message.to[0] for message in mail.outbox}
    assert suspended.email not in recipients and audience["retail_westminster"].email in recipients


def test_a_newline_in_a_title_does_not_stop_the_emails(officer, audience, sector_a, committed):
    published(officer, [sector_a], committed, title="Road\r\nclosed")
    assert mail.outbox and all("\n" not in message.subject for message in mail.outbox)
    assert "Road closed" in mail.outbox[0].subject


def test_the_live_fragment_does_not_mark_read(client, officer, audience, sector_a, committed):
    bulletin = published(officer, [sector_a], committed, title="Fragment")
    member = audience["retail_westminster"]
    client.force_login(member)
    client.get(bulletin.get_absolute_url() + "?fragment=update")
    assert Delivery.objects.get(bulletin=bulletin, user=member).read_at is None
    client.get(bulletin.get_absolute_url())
    assert Delivery.objects.get(bulletin=bulletin, user=member).read_at is not None


def test_the_scheduler_publishes_only_what_is_still_due(officer, audience, sector_a):
    from datetime import timedelta

    from django.utils import timezone

    bulletin = Bulletin.objects.create(title="Later", body="x", author=officer, status=Bulletin.Status.SCHEDULED,
                                       scheduled_for=timezone.now() + timedelta(hours=1))
    bulletin.sectors.set([sector_a])
    # A scheduler run that picked it up as due, then found it moved later under the lock, leaves it alone.
    with pytest.raises(services.BulletinError, match="no longer due"):
        services.publish_bulletin(bulletin, by=None, only_if_due=timezone.now())
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SCHEDULED and not Delivery.objects.filter(bulletin=bulletin).exists()


def test_unfinished_fanouts_are_resumed_for_a_day_only(officer, audience, sector_a, settings, committed):
    from datetime import timedelta

    from django.utils import timezone

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    recent = published(officer, [sector_a], committed, title="Recent")
    old = published(officer, [sector_a], committed, title="Old")
    Bulletin.objects.filter(pk=recent.pk).update(published_at=timezone.now() - timedelta(minutes=10))
    Bulletin.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=2))
    assert services.resume_unsent_emails(timedelta(minutes=5)) == [recent.pk]
