"""Scheduling keeps what was typed and says what is wrong beside the field; a scheduled bulletin can go back to
draft; a published one can be withdrawn: struck through for its readers, with the reason, audited and pushed."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from common import once
from messaging.bulletins import services, transport
from messaging.bulletins.models import Bulletin
from messaging.bulletins.tasks import send_bulletin_emails
from tests.bulletins.pages import once_token
from tests.factories import BulletinFactory

pytestmark = pytest.mark.django_db


def test_a_past_schedule_time_comes_back_beside_the_field_with_the_value_typed(client, officer, sector_a):
    bulletin = BulletinFactory(title="Past", author=officer, sectors=[sector_a])
    client.force_login(officer)
    response = client.post(reverse("bulletins:schedule", args=[bulletin.pk]), {"when": "2020-01-01T10:00"})
    page = response.content.decode()
    assert response.status_code == 200  # the bulletin's page again, not a redirect losing the value
    assert 'name="when" value="2020-01-01T10:00"' in page
    assert 'aria-invalid="true"' in page
    assert 'id="id_when_error">Choose a time in the future.</div>' in page
    assert "<h1 class=\"h3\"><span>Past</span></h1>" in page
    assert Bulletin.objects.get(pk=bulletin.pk).status == Bulletin.Status.DRAFT


def test_a_scheduled_bulletin_can_be_unscheduled_back_to_a_draft_and_it_is_audited(client, officer, sector_a):
    bulletin = BulletinFactory(title="Later", author=officer, sectors=[sector_a])
    services.schedule_bulletin(bulletin, when=timezone.now() + timedelta(hours=2), by=officer)
    client.force_login(officer)
    page = client.get(bulletin.get_absolute_url()).content.decode()
    assert "Unschedule (back to draft)</button>" in page
    response = client.post(reverse("bulletins:unschedule", args=[bulletin.pk]), follow=True)
    assert "No longer scheduled: it is a draft again." in response.content.decode()
    bulletin.refresh_from_db()
    assert (bulletin.status, bulletin.scheduled_for) == (Bulletin.Status.DRAFT, None)
    assert AuditEntry.objects.filter(action="bulletin.unschedule", actor=officer).count() == 1
    # Nothing left for the scheduler, and a second click is told.
    assert services.publish_due(timezone.now() + timedelta(days=1)) == []
    response = client.post(reverse("bulletins:unschedule", args=[bulletin.pk]), follow=True)
    assert "not scheduled any more" in response.content.decode()


def test_the_officers_list_shows_the_scheduled_time_in_london(client, officer, sector_a):
    bulletin = BulletinFactory(title="Summer", author=officer, sectors=[sector_a])
    when = datetime(timezone.now().year + 1, 7, 1, 11, 30, tzinfo=UTC)
    Bulletin.objects.filter(pk=bulletin.pk).update(status=Bulletin.Status.SCHEDULED, scheduled_for=when)
    client.force_login(officer)
    page = client.get(reverse("bulletins:officer_list")).content.decode()
    assert f"1 Jul {when.year} 12:30" in page  # 11:30 UTC is 12:30 in London in summer


def _withdraw(client, officer, bulletin, reason="Route changed: see the new notice."):
    url = reverse("bulletins:withdraw", args=[bulletin.pk])
    client.force_login(officer)
    page = client.get(url).content.decode()
    return client.post(url, {"reason": reason, once.FIELD: once_token(page, None)})


def test_withdrawing_strikes_the_bulletin_through_for_its_readers_with_the_reason(
        client, officer, audience, sector_a, publish, django_capture_on_commit_callbacks):
    bulletin = publish(title="March on Saturday", sectors=[sector_a])
    client.force_login(officer)
    assert "Withdraw this bulletin</a>" in client.get(bulletin.get_absolute_url()).content.decode()
    told = mock.Mock()
    with mock.patch.object(transport, "broadcast_withdrawal", told, create=True), \
            django_capture_on_commit_callbacks(execute=True):
        response = _withdraw(client, officer, bulletin)
    assert response.status_code == 302
    told.assert_called_once_with(bulletin.pk)  # after the commit
    bulletin.refresh_from_db()
    assert (bulletin.status, bulletin.withdrawn_by) == (Bulletin.Status.WITHDRAWN, officer)
    entry = AuditEntry.objects.get(action="bulletin.withdraw")
    assert (entry.actor, entry.reason) == (officer, "Route changed: see the new notice.")

    client.force_login(audience["retail_camden"])
    inbox = client.get(reverse("bulletins:inbox")).content.decode()
    struck = '<span class="visually-hidden">Withdrawn: </span><span class="withdrawn-text">March on Saturday</span>'
    assert struck in inbox
    assert "Withdrawn: Route changed: see the new notice." in inbox
    page = client.get(bulletin.get_absolute_url()).content.decode()
    assert 'class="bulletin-withdrawn"' in page and "Reason given: Route changed: see the new notice." in page
    assert "<title>Withdrawn: March on Saturday · The Hub</title>" in page


def test_withdrawing_asks_for_a_reason_acts_once_and_only_on_what_is_published(client, officer, audience, sector_a,
                                                                              publish):
    bulletin = publish(title="March", sectors=[sector_a])
    url = reverse("bulletins:withdraw", args=[bulletin.pk])
    client.force_login(officer)
    page = client.get(url).content.decode()
    token = once_token(page, None)
    response = client.post(url, {"reason": "  ", once.FIELD: token})
    assert response.status_code == 200 and "Give a reason." in response.content.decode()
    token = once_token(response.content.decode(), None)
    client.post(url, {"reason": "Cancelled", once.FIELD: token})
    again = client.post(url, {"reason": "Cancelled", once.FIELD: token}, follow=True)
    assert "already sent" in again.content.decode()
    assert AuditEntry.objects.filter(action="bulletin.withdraw").count() == 1
    draft = BulletinFactory(author=officer, sectors=[sector_a])
    assert client.get(reverse("bulletins:withdraw", args=[draft.pk])).status_code == 404
    with pytest.raises(services.BulletinError, match="already is"):
        services.withdraw_bulletin(Bulletin.objects.get(pk=bulletin.pk), by=officer, reason="again")


def test_a_withdrawn_bulletin_cannot_be_acknowledged_nor_superseded(client, officer, audience, sector_a, publish):
    bulletin = publish(title="Ack", sectors=[sector_a], ack_requested=True)
    services.withdraw_bulletin(bulletin, by=officer, reason="Wrong date")
    client.force_login(audience["retail_camden"])
    assert client.post(reverse("bulletins:acknowledge", args=[bulletin.pk])).status_code == 403
    client.force_login(officer)
    assert client.get(reverse("bulletins:create") + f"?supersedes={bulletin.pk}").status_code == 404


def test_a_bulletin_withdrawn_before_its_e_mails_went_is_not_e_mailed_to_those_still_waiting(
        officer, audience, sector_a, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # the queue holds it
    bulletin = BulletinFactory(title="Soon wrong", author=officer, sectors=[sector_a])
    services.publish_bulletin(bulletin, by=officer)
    services.withdraw_bulletin(bulletin, by=officer, reason="Wrong")
    assert send_bulletin_emails.call(bulletin.pk) == 0 and not mail.outbox
    Bulletin.objects.filter(pk=bulletin.pk).update(published_at=timezone.now() - timedelta(hours=1))
    assert services.resume_unsent_emails() == []
