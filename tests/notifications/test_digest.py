"""The daily digest at 07:00 London: bulletins left for it, followed forum activity, the week's pre-planned events;
only what the member may still read; once per member per day (two schedulers at once on PostgreSQL); nothing
(and no per-member work) for members with nothing new."""

import threading
from collections import Counter
from datetime import time, timedelta

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from messaging.board import services as board
from messaging.bulletins.models import Bulletin, Delivery
from notifications import digest
from notifications.digest import send_digest
from notifications.models import DigestSent, Notification
from sectors.models import Membership
from tests.factories import BulletinFactory, member_of
from tests.notifications.mail_helpers import (  # noqa: F401 - _tasks_run_immediately: autouse
    _tasks_run_immediately,
    london,
    prefer,
    publish,
    sent_to,
    set_clock,
)

DAY_BEFORE = london(2026, 1, 14, 15)
SEVEN = london(2026, 1, 15, 7, 0, 10)


def left_for_digest(officer, sector, capture, **fields):
    bulletin = BulletinFactory(author=officer, sectors=[sector], severity="info", **fields)
    publish(bulletin, officer, capture)
    return bulletin


@pytest.fixture
def reader(sector_a):
    """A member of A who wants only critical bulletins at once (the rest in the digest), forum activity too."""
    member = member_of(sector_a, display_name="Dana Digest")
    prefer(member, bulletin_min_severity="critical", forum_email="digest")
    return member


@pytest.mark.django_db
class TestContent:
    def test_the_digest_lists_bulletins_left_for_it_forum_activity_and_the_weeks_events(
            self, monkeypatch, officer, sector_a, reader, thread, people, django_capture_on_commit_callbacks):
        set_clock(monkeypatch, DAY_BEFORE)
        left = left_for_digest(officer, sector_a, django_capture_on_commit_callbacks, title="Bins collected late")
        event = BulletinFactory(author=officer, sectors=[sector_a], severity="warning", ack_requested=True,
                                kind=Bulletin.Kind.PRE_PLANNING, title="Marathon road closures",
                                starts_at=london(2026, 1, 18, 8), ends_at=london(2026, 1, 18, 16))
        publish(event, officer, django_capture_on_commit_callbacks)  # asks for acknowledgement: mailed at once
        far = BulletinFactory(author=officer, sectors=[sector_a], severity="critical", kind=Bulletin.Kind.PRE_PLANNING,
                              title="Far away", starts_at=london(2026, 2, 18, 8))
        publish(far, officer, django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            post = board.reply(thread, author=people.lead_a, body="Seen here too.")
        Notification.objects.create(user=reader, kind="reply", thread=thread, post=post, text="Lead A replied to you",
                                    url=post.get_absolute_url(), created_at=timezone.now())
        mail.outbox.clear()

        set_clock(monkeypatch, SEVEN)
        with django_capture_on_commit_callbacks(execute=True):
            assert digest.claim_due() == [reader.pk]
        [message] = sent_to(reader)
        assert message.subject == "[The Hub] Your daily digest: 2 new items, 15 January"
        assert "Info: Bins collected late" in message.body
        assert "Lead A replied to you" in message.body
        assert "Sun 18 Jan 08:00: Marathon road closures" in message.body
        assert "Far away" not in message.body
        assert message.extra_headers["List-Unsubscribe"].startswith("<http")
        assert Delivery.objects.get(bulletin=left, user=reader).emailed_at == SEVEN
        assert Notification.objects.get(user=reader, kind="reply").emailed_at == SEVEN
        assert DigestSent.objects.get(user=reader).item_count == 2
        assert len(mail.outbox) == 1  # nobody else had anything left for a digest

    def test_sensitive_bulletins_are_named_only_by_their_placeholder(self, monkeypatch, officer, sector_a, reader,
                                                                    django_capture_on_commit_callbacks):
        set_clock(monkeypatch, DAY_BEFORE)
        left_for_digest(officer, sector_a, django_capture_on_commit_callbacks, title="Secret route",
                        marking=Bulletin.Marking.OFFICIAL_SENSITIVE)
        set_clock(monkeypatch, SEVEN)
        with django_capture_on_commit_callbacks(execute=True):
            digest.claim_due()
        [message] = sent_to(reader)
        assert "Secret route" not in message.body and "OFFICIAL-SENSITIVE notice: log in to read" in message.body

    def test_nothing_the_member_may_no_longer_read(self, monkeypatch, officer, sector_a, reader, thread, people,
                                                   forums, django_capture_on_commit_callbacks):
        set_clock(monkeypatch, DAY_BEFORE)
        withdrawn = left_for_digest(officer, sector_a, django_capture_on_commit_callbacks, title="Taken back")
        from messaging.bulletins import services
        services.withdraw_bulletin(withdrawn, by=officer, reason="Wrong date")
        with django_capture_on_commit_callbacks(execute=True):
            hidden = board.reply(thread, author=people.lead_a, body="Hidden later.")
            elsewhere = board.start_thread(forums.b, author=people.member_b, title="Banking only", body="B's forum")
        hidden.hidden = True
        hidden.save(update_fields=["hidden"])
        for post, thread_ in ((hidden, thread), (elsewhere.posts.get(), elsewhere)):
            Notification.objects.create(user=reader, kind="reply", thread=thread_, post=post, text=f"About {post.pk}",
                                        url=post.get_absolute_url(), created_at=timezone.now())
        kept = left_for_digest(officer, sector_a, django_capture_on_commit_callbacks, title="Still standing")
        mail.outbox.clear()
        set_clock(monkeypatch, SEVEN)
        with django_capture_on_commit_callbacks(execute=True):
            digest.claim_due()
        [message] = sent_to(reader)
        assert "Still standing" in message.body
        assert "Taken back" not in message.body and "About" not in message.body
        assert Delivery.objects.get(bulletin=kept, user=reader).emailed_at is not None

    def test_a_suspended_member_gets_no_digest(self, monkeypatch, officer, sector_a, reader,
                                               django_capture_on_commit_callbacks):
        set_clock(monkeypatch, DAY_BEFORE)
        left_for_digest(officer, sector_a, django_capture_on_commit_callbacks)
        Membership.objects.filter(user=reader).update(status=Membership.Status.SUSPENDED)
        set_clock(monkeypatch, SEVEN)
        with django_capture_on_commit_callbacks(execute=True):
            assert digest.claim_due() == [reader.pk]  # a candidate...
        assert sent_to(reader) == []  # ...with nothing they may read: no e-mail
        row = DigestSent.objects.get(user=reader)
        assert (row.item_count, row.sent_at) == (0, SEVEN)  # done for today: not looked at again
        with django_capture_on_commit_callbacks(execute=True):
            assert digest.claim_due() == []


@pytest.mark.django_db
class TestWhen:
    def test_not_before_seven_and_once_a_day(self, monkeypatch, officer, sector_a, reader,
                                             django_capture_on_commit_callbacks):
        set_clock(monkeypatch, DAY_BEFORE)
        left_for_digest(officer, sector_a, django_capture_on_commit_callbacks)
        set_clock(monkeypatch, london(2026, 1, 15, 6, 59))
        assert digest.claim_due() == []
        set_clock(monkeypatch, SEVEN)
        with django_capture_on_commit_callbacks(execute=True):
            assert digest.claim_due() == [reader.pk]
            assert digest.claim_due() == []
        # What arrives after 07:00 waits for tomorrow's digest.
        set_clock(monkeypatch, london(2026, 1, 15, 9))
        left_for_digest(officer, sector_a, django_capture_on_commit_callbacks, title="Mid-morning")
        set_clock(monkeypatch, london(2026, 1, 15, 9, 1))
        with django_capture_on_commit_callbacks(execute=True):
            assert digest.claim_due() == []
        set_clock(monkeypatch, london(2026, 1, 16, 7, 1))
        with django_capture_on_commit_callbacks(execute=True):
            assert digest.claim_due() == [reader.pk]
        assert "Mid-morning" in sent_to(reader)[-1].body
        assert len(sent_to(reader)) == 2

    def test_skipped_when_empty_with_no_row_for_members_with_nothing(self, monkeypatch, sector_a, reader,
                                                                     django_capture_on_commit_callbacks):
        member_of(sector_a)
        set_clock(monkeypatch, SEVEN)
        with django_capture_on_commit_callbacks(execute=True):
            assert digest.claim_due() == []
        assert mail.outbox == [] and not DigestSent.objects.exists()

    def test_what_was_read_before_seven_is_not_in_it(self, monkeypatch, officer, sector_a, reader,
                                                    django_capture_on_commit_callbacks):
        set_clock(monkeypatch, DAY_BEFORE)
        bulletin = left_for_digest(officer, sector_a, django_capture_on_commit_callbacks)
        Delivery.objects.filter(bulletin=bulletin, user=reader).update(read_at=DAY_BEFORE)
        set_clock(monkeypatch, SEVEN)
        with django_capture_on_commit_callbacks(execute=True):
            assert digest.claim_due() == []
        assert mail.outbox == []

    def test_quiet_hours_over_seven_delay_the_digest_to_their_end(self, monkeypatch, officer, sector_a, reader,
                                                                 django_capture_on_commit_callbacks):
        prefer(reader, quiet_from=time(22), quiet_until=time(8, 30))
        set_clock(monkeypatch, DAY_BEFORE)
        left_for_digest(officer, sector_a, django_capture_on_commit_callbacks)
        set_clock(monkeypatch, SEVEN)
        assert digest.claim_due() == []
        set_clock(monkeypatch, london(2026, 1, 15, 8, 30, 5))
        with django_capture_on_commit_callbacks(execute=True):
            assert digest.claim_due() == [reader.pk]
        assert len(sent_to(reader)) == 1

    def test_no_digest_for_a_member_who_turned_it_off(self, monkeypatch, officer, sector_a, reader,
                                                      django_capture_on_commit_callbacks):
        prefer(reader, digest=False, forum_email="never")
        set_clock(monkeypatch, DAY_BEFORE)
        left_for_digest(officer, sector_a, django_capture_on_commit_callbacks)
        set_clock(monkeypatch, SEVEN)
        assert digest.claim_due() == []

    def test_a_digest_whose_worker_died_is_sent_later_once(self, monkeypatch, officer, sector_a, reader,
                                                          django_capture_on_commit_callbacks):
        set_clock(monkeypatch, DAY_BEFORE)
        left_for_digest(officer, sector_a, django_capture_on_commit_callbacks)
        set_clock(monkeypatch, SEVEN)
        digest.claim_due()  # queued after the commit, which never comes here: as a worker killed before sending
        row = DigestSent.objects.get(user=reader)
        assert row.sent_at is None
        set_clock(monkeypatch, SEVEN + timedelta(minutes=5))
        assert digest.resume_unsent() == []  # too soon: it may still be running
        set_clock(monkeypatch, SEVEN + timedelta(minutes=11))
        with django_capture_on_commit_callbacks(execute=True):
            assert digest.resume_unsent() == [row.pk]
        assert len(sent_to(reader)) == 1
        assert send_digest.call(row.pk) == 0  # a second copy finds it sent
        assert len(sent_to(reader)) == 1


ON_SQLITE = "races on row locks run on the PostgreSQL run (SQLite has no row locks: it locks the whole file)"


@pytest.mark.skipif(connection.vendor != "postgresql", reason=ON_SQLITE)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_schedulers_at_once_send_each_member_exactly_one_digest(monkeypatch, officer, sector_a):
    members = [member_of(sector_a) for _ in range(12)]
    for member in members:
        prefer(member, bulletin_min_severity="critical")
    set_clock(monkeypatch, DAY_BEFORE)
    for index in range(3):
        publish(BulletinFactory(author=officer, sectors=[sector_a], severity="info", title=f"Notice {index}"), officer,
                _no_capture)
    assert not mail.outbox
    set_clock(monkeypatch, SEVEN)
    start = threading.Barrier(2)
    results, errors = [], []

    def scheduler():
        try:
            start.wait(20)
            results.append(digest.claim_due())
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for worker in threads:
        worker.start()
    for worker in threads:
        worker.join(60)
    assert not errors
    assert sorted(results[0] + results[1]) == sorted(member.pk for member in members)  # each claimed by one
    assert Counter(message.to[0] for message in mail.outbox) == Counter({member.email: 1 for member in members})
    assert DigestSent.objects.filter(sent_at__isnull=False, item_count=3).count() == len(members)


class _NoCapture:
    """Outside a test transaction the fan-out runs at the commit by itself: nothing to capture."""

    def __call__(self, execute=True):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_no_capture = _NoCapture()
