"""What crosses the channel layer for a publish, the stream's cursor, and the signal receivers' hookups."""

from unittest import mock

import pytest
from allauth.account.signals import password_changed, password_reset, password_set
from allauth.usersessions.models import UserSession
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import m2m_changed, post_delete, post_save

from messaging.bulletins import receivers, transport
from messaging.bulletins.payloads import make_cursor, parse_cursor
from messaging.bulletins.stream import STREAM_GROUP
from sectors.models import Organisation, Sector
from sectors.signals import audience_changed, membership_changed
from tests.factories import member_of
from tests.live.helpers import publish


@pytest.fixture
def sectors(db):
    return Sector.objects.get(slug="retail"), Sector.objects.get(slug="banking-and-finance")


@pytest.mark.django_db
def test_a_publish_sends_one_message_to_the_stream_whatever_its_audience(sectors, monkeypatch,
                                                                         django_capture_on_commit_callbacks):
    retail, banking = sectors
    for _ in range(3):
        member_of(retail)
    sent = []
    monkeypatch.setattr(transport, "group_send", lambda group, message: sent.append((group, message)))
    with django_capture_on_commit_callbacks(execute=True):
        bulletin = publish(title="Road closures", sectors=[retail, banking])
    pushes = [(group, message) for group, message in sent if message["type"] == "live.bulletin"]
    assert [group for group, _ in pushes] == [STREAM_GROUP]
    message = pushes[0][1]
    assert message["sequence"] == bulletin.sequence
    assert message["bulletin"]["cursor"] == make_cursor(bulletin.sequence)
    assert message["audience"]["sectors"] == sorted([retail.pk, banking.pk])


@pytest.mark.django_db
def test_publishes_are_numbered_one_after_another(sectors):
    retail, _ = sectors
    numbers = [publish(title=f"Update {n}", sectors=[retail]).sequence for n in range(3)]
    assert numbers[1] == numbers[0] + 1 and numbers[2] == numbers[1] + 1


@pytest.mark.django_db
def test_a_publish_the_channel_layer_refuses_still_succeeds(sectors, django_capture_on_commit_callbacks):
    retail, _ = sectors
    refused = mock.Mock(side_effect=ConnectionError("Redis is down"))
    with mock.patch.object(transport, "group_send", refused), django_capture_on_commit_callbacks(execute=True):
        bulletin = publish(title="Published anyway", sectors=[retail])
    assert refused.called
    assert bulletin.is_published and bulletin.sequence is not None


def test_cursors_round_trip_and_refuse_what_is_not_one():
    assert parse_cursor(make_cursor(42)) == 42
    for bad in [None, 12, "", "1:2", "x", "-1", "１２", "9" * 20]:
        assert parse_cursor(bad) is None


def test_the_receivers_are_connected_once_each():
    user_model = get_user_model()
    hookups = [
        (user_logged_out, None, receivers.on_logged_out),
        (m2m_changed, user_model.groups.through, receivers.on_roles_changed),
        (post_save, user_model, receivers.on_user_saved),
        (membership_changed, None, receivers.on_membership_changed),
        (audience_changed, None, receivers.on_audience_changed),
        (m2m_changed, Organisation.boroughs.through, receivers.on_premises_changed),
        (post_delete, UserSession, receivers.on_user_session_ended),
        *((signal, None, receivers.on_password_changed) for signal in (password_changed, password_reset, password_set)),
    ]
    for signal, sender, function in hookups:
        live = [r for r in signal._live_receivers(sender)[0] if r is function]
        assert len(live) == 1, function.__name__


@pytest.mark.django_db
def test_a_notice_the_channel_layer_refuses_is_queued_to_be_sent_again(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with mock.patch.object(transport, "group_send", side_effect=ConnectionError("Redis is down")):
        transport.notify_user(42)
    (queued,) = DBTaskResult.objects.filter(task_path__endswith="resend_notice")
    assert queued.args_kwargs["args"][:2] == [42, {"type": "live.notice", "notice": "live.refresh", "user_id": 42}]
    assert queued.run_after is not None

    # Sent when the layer takes it again; refused once more, it is queued for a later try.
    sent = []
    with mock.patch.object(transport, "group_send", lambda group, message: sent.append((group, message))):
        assert transport.resend_notice.call(*queued.args_kwargs["args"]) is True
    assert sent == [(STREAM_GROUP, {"type": "live.notice", "notice": "live.refresh", "user_id": 42})]
    with mock.patch.object(transport, "group_send", side_effect=ConnectionError("Redis is down")):
        assert transport.resend_notice.call(*queued.args_kwargs["args"]) is False
    assert DBTaskResult.objects.filter(task_path__endswith="resend_notice").count() == 2
