"""The e-mail fan-out: each recipient once, still entitled, sensitive content never in a message, resumed after
a worker dies (the real-process version is test_worker_process.py)."""

from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.utils import timezone

from messaging.bulletins import services, tasks
from messaging.bulletins.models import Bulletin, Delivery
from messaging.bulletins.tasks import send_bulletin_emails
from sectors.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(settings):
    """The fan-out is queued, not run, so that a test can run it (or not) itself."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def test_email_task_run_twice_sends_once(audience, sector_a, queued, publish):
    bulletin = publish(title="Once only", sectors=[sector_a])
    assert len(mail.outbox) == 0  # queued, not sent
    assert send_bulletin_emails.call(bulletin.pk) == 2
    assert send_bulletin_emails.call(bulletin.pk) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [audience["retail_westminster"].email, audience["retail_camden"].email]
    )


def test_worker_dying_mid_batch_leaves_the_rest_for_the_next_run(audience, sector_a, queued, monkeypatch, publish):
    """A worker that dies mid-run has marked what it sent; the next run sends exactly the missing ones."""
    bulletin = publish(title="Crash test", sectors=[sector_a])
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


def test_sensitive_bulletins_are_not_in_email_bodies(audience, sector_a, publish):
    bulletin = publish(title="Named premises at risk", body="The Example Store at 1 Oxford Street",
                       marking=Bulletin.Marking.OFFICIAL_SENSITIVE, sectors=[sector_a])
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert "Oxford Street" not in message.body
        assert "Named premises" not in message.subject + message.body
        assert bulletin.get_absolute_url() in message.body


def test_no_email_to_someone_suspended_after_publishing(audience, sector_a, queued, publish):
    bulletin = publish(title="Later e-mail", sectors=[sector_a])
    suspended = audience["retail_camden"]
    Membership.objects.filter(user=suspended).update(status="suspended")
    send_bulletin_emails.call(bulletin.pk)
    recipients = {message.to[0] for message in mail.outbox}
    assert suspended.email not in recipients and audience["retail_westminster"].email in recipients


def test_a_newline_in_a_title_does_not_stop_the_emails(audience, sector_a, publish):
    publish(title="Road\r\nclosed", sectors=[sector_a])
    assert mail.outbox and all("\n" not in message.subject for message in mail.outbox)
    assert "Road closed" in mail.outbox[0].subject


def test_the_subject_is_the_portals_with_the_severity(audience, sector_a, publish):
    publish(title="Road closed", severity=Bulletin.Severity.WARNING, sectors=[sector_a])
    assert {message.subject for message in mail.outbox} == {"[The Hub] Warning: Road closed"}


def test_unfinished_fanouts_are_resumed_for_a_day_only(audience, sector_a, queued, publish):
    recent = publish(title="Recent", sectors=[sector_a])
    old = publish(title="Old", sectors=[sector_a])
    Bulletin.objects.filter(pk=recent.pk).update(published_at=timezone.now() - timedelta(minutes=10))
    Bulletin.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=2))
    assert services.resume_unsent_emails(timedelta(minutes=5)) == [recent.pk]


def test_a_delivery_sent_again_after_a_failure_carries_the_same_message_id(audience, sector_a, queued, publish,
                                                                         settings, monkeypatch):
    """The mail server took the first message but the send still failed (the connection dropped before it said
    so): the retry is a duplicate the receiving system can drop, because both carry the delivery's Message-ID."""
    settings.SITE_URL = "https://hub.example.org"
    bulletin = publish(title="Retried", sectors=[sector_a])
    seen = []

    class AcceptedThenLost(locmem.EmailBackend):
        def send_messages(self, messages):
            seen.extend((message.to[0], message.message()["Message-ID"]) for message in messages)
            if len(seen) == 1:
                raise SMTPServerDisconnected("connection lost after the message was accepted")
            return super().send_messages(messages)

    monkeypatch.setattr(tasks, "get_connection", AcceptedThenLost)
    assert send_bulletin_emails.call(bulletin.pk) == 1  # the first recipient failed, the second went
    assert send_bulletin_emails.call(bulletin.pk) == 1  # the retry sends the first one again
    first, second, retry = seen
    assert retry == first and second[0] != first[0]
    deliveries = {delivery.user.email: delivery for delivery in Delivery.objects.filter(bulletin=bulletin)}
    for email, message_id in seen:
        assert message_id == f"<bulletin-{bulletin.pk}.delivery-{deliveries[email].pk}@hub.example.org>"
    assert {message.message()["Message-ID"] for message in mail.outbox} == {first[1], second[1]}


def test_every_delivery_has_its_own_message_id(audience, sector_a, sector_b, publish):
    one = publish(title="One", sectors=[sector_a, sector_b])
    two = publish(title="Two", sectors=[sector_a, sector_b])
    message_ids = [message.message()["Message-ID"] for message in mail.outbox]
    assert len(message_ids) == len(set(message_ids)) == Delivery.objects.filter(bulletin__in=[one, two]).count() == 6
    # Rendering a delivery again (a later retry) gives the same one.
    delivery = Delivery.objects.filter(bulletin=one).select_related("user").first()
    assert tasks.render_email(one, delivery).message()["Message-ID"] in message_ids
