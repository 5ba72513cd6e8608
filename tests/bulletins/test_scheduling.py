"""The every-minute job (manage.py publish_due): scheduled bulletins published once, ended ones expired."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from messaging.bulletins import services
from messaging.bulletins.models import Bulletin, Delivery
from tests.factories import BulletinFactory

pytestmark = pytest.mark.django_db


def test_publish_due_is_idempotent(officer, audience, sector_a, committed):
    bulletin = BulletinFactory(title="Later", author=officer, sectors=[sector_a])
    services.schedule_bulletin(bulletin, when=timezone.now() + timedelta(minutes=5), by=officer)
    call_command("publish_due", stdout=io.StringIO())
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SCHEDULED
    Bulletin.objects.filter(pk=bulletin.pk).update(scheduled_for=timezone.now() - timedelta(seconds=1))
    out = io.StringIO()
    committed(call_command, "publish_due", stdout=out)
    assert "Published 1 scheduled bulletin." in out.getvalue()
    call_command("publish_due", stdout=io.StringIO())
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.PUBLISHED
    assert Delivery.objects.filter(bulletin=bulletin).count() == 2
    assert len(mail.outbox) == 2


def test_schedule_in_the_past_is_refused(client, officer, sector_a):
    bulletin = BulletinFactory(title="Past", author=officer, sectors=[sector_a])
    client.force_login(officer)
    response = client.post(reverse("bulletins:schedule", args=[bulletin.pk]), {"when": "2020-01-01T10:00"},
                           follow=True)
    assert "Choose a time in the future." in response.content.decode()
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.DRAFT


def test_the_scheduler_publishes_only_what_is_still_due(officer, audience, sector_a):
    bulletin = BulletinFactory(title="Later", author=officer, status=Bulletin.Status.SCHEDULED,
                               scheduled_for=timezone.now() + timedelta(hours=1), sectors=[sector_a])
    # A scheduler run that picked it up as due, then found it moved later under the lock, leaves it alone.
    with pytest.raises(services.BulletinError, match="no longer due"):
        services.publish_bulletin(bulletin, by=None, only_if_due=timezone.now())
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SCHEDULED and not Delivery.objects.filter(bulletin=bulletin).exists()


# Expiry ------------------------------------------------------------------------------------------------------


def test_published_bulletins_whose_event_ended_expire_once(audience, sector_a, publish):
    now = timezone.now()
    ended = publish(title="March yesterday", sectors=[sector_a], ends_at=now - timedelta(hours=1))
    running = publish(title="March today", sectors=[sector_a], ends_at=now + timedelta(hours=1))
    timeless = publish(title="Fraud alert", sectors=[sector_a])
    superseded = publish(title="Old route", sectors=[sector_a], ends_at=now - timedelta(hours=1))
    Bulletin.objects.filter(pk=superseded.pk).update(status=Bulletin.Status.SUPERSEDED)
    draft = BulletinFactory(title="Never sent", sectors=[sector_a], ends_at=now - timedelta(hours=1))

    assert services.expire_ended(now=now) == 1
    statuses = dict(Bulletin.objects.values_list("title", "status"))
    assert statuses == {
        ended.title: "expired", running.title: "published", timeless.title: "published",
        superseded.title: "superseded", draft.title: "draft",
    }
    assert services.expire_ended(now=now) == 0
    assert list(AuditEntry.objects.filter(action="bulletin.expire").values_list("target_id", flat=True)) == [
        str(ended.pk)
    ]


def test_the_every_minute_job_expires_ended_bulletins(audience, sector_a, publish):
    publish(title="Road closed last night", sectors=[sector_a], ends_at=timezone.now() - timedelta(minutes=1))
    out = io.StringIO()
    call_command("publish_due", stdout=out)
    assert "Expired 1 bulletin whose event has ended." in out.getvalue()
    assert Bulletin.objects.get().status == Bulletin.Status.EXPIRED


def test_expired_bulletins_stay_readable_in_the_inbox(client, audience, sector_a, publish):
    bulletin = publish(title="Yesterday's march", sectors=[sector_a], ends_at=timezone.now() - timedelta(hours=1))
    services.expire_ended()
    member = audience["retail_camden"]
    client.force_login(member)
    assert "Yesterday&#x27;s march" in client.get(reverse("bulletins:inbox")).content.decode()
    page = client.get(bulletin.get_absolute_url())
    assert page.status_code == 200 and "Expired" in page.content.decode()
    assert Delivery.objects.get(bulletin=bulletin, user=member).read_at is not None
