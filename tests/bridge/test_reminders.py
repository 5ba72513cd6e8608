"""The scheduler's bridge work: one reminder to the people expected on the call, BRIDGE_REMINDER_MINUTES before
the start, exactly once; "Starting now" once when the start comes; both from publish_due's round."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from messaging.bridge import services
from messaging.bridge.models import BridgeCall, Invitation
from messaging.bulletins import transport
from tests.bridge.conftest import in_future

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(schedule, reps, sector_a, sector_b, committed):
    """Rita accepted, Cathy declined, Barry sent a colleague, Dave (Rita's deputy) said nothing."""
    from tests.factories import member_of

    call = schedule(sectors=[sector_a, sector_b], starts_at=in_future(1))
    committed(services.respond, Invitation.objects.get(call=call, user=reps["rita"]), by=reps["rita"],
              response="accepted")
    committed(services.respond, Invitation.objects.get(call=call, user=reps["cathy"]), by=reps["cathy"],
              response="declined")
    reps["barry_colleague"] = member_of(sector_b, organisation=reps["bank"], display_name="Bea Bank")
    committed(services.respond, Invitation.objects.get(call=call, user=reps["barry"]), by=reps["barry"],
              response="delegated", delegate=reps["barry_colleague"])
    mail.outbox.clear()
    return call


def test_the_reminder_goes_once_to_accepted_invitees_and_delegates(call, reps, committed):
    before = call.starts_at - timedelta(minutes=16)
    assert committed(services.send_due_reminders, before) == []
    at = call.starts_at - timedelta(minutes=15)
    assert committed(services.send_due_reminders, at) == [call.pk]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([reps["rita"].email, reps["barry_colleague"].email])
    assert all("Starting in 15 minutes" in m.subject for m in mail.outbox)
    assert all("123456" in m.body for m in mail.outbox)
    assert committed(services.send_due_reminders, at + timedelta(minutes=1)) == []
    assert len(mail.outbox) == 2


def test_a_cancelled_call_gets_no_reminder(call, officer, committed):
    committed(services.cancel_call, call, by=officer, reason="Off")
    mail.outbox.clear()
    assert committed(services.send_due_reminders, call.starts_at - timedelta(minutes=5)) == []
    assert not mail.outbox


def test_starting_now_is_announced_once_to_the_people_it_admits(call, reps, officer, committed, monkeypatch):
    toasts, announced = [], []
    monkeypatch.setattr(transport, "send_to_user", lambda user_id, payload: toasts.append((user_id, payload)))
    monkeypatch.setattr(transport, "announce", lambda audience, payload: announced.append(payload))
    assert committed(services.announce_starting, call.starts_at - timedelta(seconds=1)) == []
    assert committed(services.announce_starting, call.starts_at + timedelta(seconds=5)) == [call.pk]
    assert committed(services.announce_starting, call.starts_at + timedelta(minutes=1)) == []
    people = {user_id for user_id, _ in toasts}
    assert people == {reps[name].pk for name in ("rita", "dave", "cathy", "barry", "barry_colleague")} | {officer.pk}
    payload = toasts[0][1]
    assert payload["subheading"] == "Starting now" and payload["toast"] is True
    assert "123456" not in str(payload) and "7946" not in str(payload)
    assert len(announced) == 1 and f"call-{call.pk}" in announced[0]["refresh"]


def test_publish_due_sends_the_reminders_and_announces_the_start(call, reps):
    BridgeCall.objects.filter(pk=call.pk).update(starts_at=timezone.now() + timedelta(minutes=10),
                                                 ends_at=timezone.now() + timedelta(minutes=70))
    out = io.StringIO()
    call_command("publish_due", stdout=out)
    assert "Sent the reminders of 1 bridge call." in out.getvalue()
    BridgeCall.objects.filter(pk=call.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    out = io.StringIO()
    call_command("publish_due", stdout=out)
    assert "Announced the start of 1 bridge call." in out.getvalue()
