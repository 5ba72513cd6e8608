"""A publish succeeds, and says so, whatever happens to its after-commit side effects."""

from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from common import once
from messaging.bulletins import services, transport
from messaging.bulletins.models import Bulletin
from tests.bulletins.pages import once_token
from tests.bulletins.test_drafts import compose
from tests.factories import BulletinFactory

pytestmark = pytest.mark.django_db


def test_publishing_while_the_channel_layer_is_down_answers_the_officer_and_emails_everyone(
    client, officer, audience, sector_a, committed
):
    compose(client, officer, sectors=[sector_a.pk])
    bulletin = Bulletin.objects.get(title="March on Whitehall")
    publish = reverse("bulletins:publish", args=[bulletin.pk])
    page = client.get(publish).content.decode()
    refused = mock.Mock(side_effect=ConnectionError("Redis is down"))
    with mock.patch.object(transport, "group_send", refused):
        response = committed(client.post, publish, {once.FIELD: once_token(page, publish)}, follow=True)
    assert refused.called
    assert response.status_code == 200
    assert "Published" in response.content.decode()
    bulletin.refresh_from_db()
    assert bulletin.is_published and bulletin.sequence is not None
    recipients = sorted(bulletin.deliveries.values_list("user__email", flat=True))
    assert recipients and sorted(m.to[0] for m in mail.outbox) == recipients


def test_the_email_fan_out_is_queued_inside_the_publish_transaction(officer, sector_a, settings):
    """With a database queue the task row is written in the publish's own transaction: committed with it, so
    a crash right after the commit cannot leave the bulletin without its fan-out. (This test's transaction is
    never committed, so nothing registered for after the commit runs.)"""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    bulletin = BulletinFactory(title="Queued with the publish", author=officer, sectors=[sector_a])
    services.publish_bulletin(bulletin, by=officer)
    queued = DBTaskResult.objects.filter(task_path__endswith="send_bulletin_emails")
    assert [row.args_kwargs["args"] for row in queued] == [[bulletin.pk]] * settings.EMAIL_FANOUT_TASKS
