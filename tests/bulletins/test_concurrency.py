"""Races on one bulletin, for real: threads, each with its own PostgreSQL connection and transaction, act on the
same bulletin at once through the services the views call.

The services take the bulletin's row lock (select_for_update) before they look at its state, so the second of
two racing actions waits for the first to commit and then sees what it did. Most tests here make the race
certain rather than likely: the first thread is held inside its locked transaction (at its audit entry, the last
thing it does before committing) until PostgreSQL shows the second one waiting for that lock; then both go on,
and the outcome is checked: nothing published twice, one Delivery and one e-mail per recipient, and an edit
either applied before publication (and published) or refused after it, never lost silently.

SQLite has no row locks (a writer locks the whole file and the other waits or fails with "database is locked"),
so these run on the PostgreSQL run only.
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from audit.models import AuditEntry
from messaging.bulletins import services
from messaging.bulletins.models import Bulletin, Delivery
from tests.factories import BulletinFactory, member_of

ON_SQLITE = "races on row locks run on the PostgreSQL run (SQLite has no row locks: it locks the whole file)"
pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason=ON_SQLITE),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WAIT = 20  # seconds: far more than any step needs; a test that waits this long has failed


class Outcome:
    def __init__(self):
        self.value = None
        self.error: BaseException | None = None

    @property
    def refused(self) -> bool:
        return isinstance(self.error, services.BulletinError)

    def __repr__(self) -> str:
        return f"Outcome(value={self.value!r}, error={self.error!r})"


def _run(call, outcome: Outcome, start: threading.Barrier | None = None) -> None:
    try:
        if start is not None:
            start.wait(WAIT)
        outcome.value = call()
    except BaseException as error:  # noqa: BLE001 - reported by the test
        outcome.error = error
    finally:
        connections.close_all()  # this thread's connection


def _thread(call, start=None) -> tuple[threading.Thread, Outcome]:
    outcome = Outcome()
    thread = threading.Thread(target=_run, args=(call, outcome, start), daemon=True)
    thread.start()
    return thread, outcome


def _join(*threads: threading.Thread) -> None:
    for thread in threads:
        thread.join(WAIT)
        assert not thread.is_alive(), "a racing call never finished (deadlock?)"


def _sessions_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


class HeldInsideTheLock:
    """services.record, the audit entry each action writes last inside its transaction, made to stop the FIRST
    caller there until released: that caller holds the bulletin's row lock meanwhile."""

    def __init__(self, monkeypatch):
        self.inside = threading.Event()
        self.release = threading.Event()
        self._first = threading.Lock()
        self._taken = False
        real_record = services.record

        def record(*args, **kwargs):
            with self._first:
                first, self._taken = not self._taken, True
            if first:
                self.inside.set()
                assert self.release.wait(WAIT), "never released"
            return real_record(*args, **kwargs)

        monkeypatch.setattr(services, "record", record)


def race(monkeypatch, first, second) -> tuple[Outcome, Outcome]:
    """Run `first` until it holds the row lock, then `second`; let `first` commit once `second` is seen waiting
    for that lock. Returns both outcomes."""
    held = HeldInsideTheLock(monkeypatch)
    first_thread, first_outcome = _thread(first)
    assert held.inside.wait(WAIT), f"the first call never got inside its transaction: {first_outcome}"
    second_thread, second_outcome = _thread(second)
    deadline = timezone.now() + timedelta(seconds=WAIT)
    while _sessions_waiting_for_a_lock() == 0:
        assert second_thread.is_alive(), f"the second call did not wait for the first's row lock: {second_outcome}"
        assert timezone.now() < deadline, "the second call never waited for the row lock"
        threading.Event().wait(0.02)
    held.release.set()
    _join(first_thread, second_thread)
    for outcome in (first_outcome, second_outcome):
        if outcome.error is not None and not outcome.refused:
            raise outcome.error
    return first_outcome, second_outcome


def at_once(*calls) -> list[Outcome]:
    """Release every call at the same instant (no holding): the race as it happens, not forced."""
    start = threading.Barrier(len(calls))
    started = [_thread(call, start) for call in calls]
    _join(*(thread for thread, _ in started))
    outcomes = [outcome for _, outcome in started]
    for outcome in outcomes:
        if outcome.error is not None and not outcome.refused:
            raise outcome.error
    return outcomes


@pytest.fixture
def members(sector_a):
    return [member_of(sector_a) for _ in range(5)]


@pytest.fixture
def draft(officer, sector_a, members):
    return BulletinFactory(title="Road closures on Saturday", author=officer, sectors=[sector_a])


def assert_published_once(bulletin: Bulletin, recipients) -> None:
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.PUBLISHED
    deliveries = Counter(Delivery.objects.filter(bulletin=bulletin).values_list("user_id", flat=True))
    assert deliveries == Counter(user.pk for user in recipients)  # one each, nobody else
    assert bulletin.recipient_count == len(recipients)
    assert AuditEntry.objects.filter(action="bulletin.publish", target_id=str(bulletin.pk)).count() == 1
    mailed = Counter(message.to[0] for message in mail.outbox if bulletin.title in message.subject)
    assert mailed == Counter(user.email for user in recipients)


# Publish against publish -----------------------------------------------------------------------------------


def test_two_publishes_at_once_publish_once(monkeypatch, officer, draft, members, mailoutbox):
    first, second = race(monkeypatch, lambda: services.publish_bulletin(draft, by=officer),
                         lambda: services.publish_bulletin(draft, by=officer))
    assert first.value == len(members)
    assert second.refused and "already been published" in str(second.error)
    assert_published_once(draft, members)


def test_publishes_released_together_publish_once_every_time(officer, sector_a, members, mailoutbox):
    for attempt in range(8):
        bulletin = BulletinFactory(title=f"Released together {attempt}", author=officer, sectors=[sector_a])
        outcomes = at_once(*[lambda: services.publish_bulletin(bulletin, by=officer)] * 3)
        assert sorted(outcome.refused for outcome in outcomes) == [False, True, True], outcomes
        assert_published_once(bulletin, members)


# Publish against an edit of the draft ----------------------------------------------------------------------


def test_an_edit_that_arrives_during_publication_is_refused_not_lost(monkeypatch, officer, draft, sector_a,
                                                                     sector_b, members, mailoutbox):
    banker = member_of(sector_b)
    published, edited = race(
        monkeypatch,
        lambda: services.publish_bulletin(draft, by=officer),
        lambda: services.update_draft(draft, by=officer, sectors=[sector_b], boroughs=[], title="Edited title",
                                      body="Edited body"),
    )
    assert published.value == len(members)
    assert edited.refused and "published meanwhile" in str(edited.error)  # the officer is told
    draft.refresh_from_db()
    assert (draft.title, list(draft.sectors.all())) == ("Road closures on Saturday", [sector_a])
    assert not Delivery.objects.filter(user=banker).exists()
    assert not AuditEntry.objects.filter(action="bulletin.draft_update").exists()
    assert_published_once(draft, members)


def test_a_publication_that_arrives_during_an_edit_publishes_the_edit(monkeypatch, officer, draft, sector_b,
                                                                     members, mailoutbox):
    bankers = [member_of(sector_b) for _ in range(2)]
    edited, published = race(
        monkeypatch,
        lambda: services.update_draft(draft, by=officer, sectors=[sector_b], boroughs=[], title="Edited title",
                                      body="Edited body"),
        lambda: services.publish_bulletin(draft, by=officer),
    )
    assert edited.error is None and published.value == len(bankers)
    draft.refresh_from_db()
    assert (draft.title, draft.body) == ("Edited title", "Edited body")  # what was published is the edit
    assert_published_once(draft, bankers)  # to the edited audience, not the one the draft had before


def test_edits_and_a_publish_released_together_never_lose_an_edit(officer, sector_a, members, mailoutbox):
    """Whatever the order: an edit reported saved was saved before publication and is what was published; an
    edit after publication is refused."""
    for attempt in range(6):
        bulletin = BulletinFactory(title=f"Before {attempt}", author=officer, sectors=[sector_a])
        edit, publish = at_once(
            lambda: services.update_draft(bulletin, by=officer, sectors=[sector_a], boroughs=[],
                                          title=f"After {attempt}"),
            lambda: services.publish_bulletin(bulletin, by=officer),
        )
        assert publish.error is None
        bulletin.refresh_from_db()
        if edit.error is None:
            assert bulletin.title == f"After {attempt}"
            order = list(AuditEntry.objects.filter(target_id=str(bulletin.pk)).order_by("pk")
                         .values_list("action", flat=True))
            assert order.index("bulletin.draft_update") < order.index("bulletin.publish")
        else:
            assert edit.refused and bulletin.title == f"Before {attempt}"
        assert_published_once(bulletin, members)


# Publish against schedule, and two schedulers --------------------------------------------------------------


def test_scheduling_that_arrives_during_publication_is_refused(monkeypatch, officer, draft, members, mailoutbox):
    published, scheduled = race(
        monkeypatch,
        lambda: services.publish_bulletin(draft, by=officer),
        lambda: services.schedule_bulletin(draft, when=timezone.now() + timedelta(hours=1), by=officer),
    )
    assert published.value == len(members)
    assert scheduled.refused and "already been published" in str(scheduled.error)
    draft.refresh_from_db()
    assert draft.status == Bulletin.Status.PUBLISHED and draft.scheduled_for is None  # not put back in the queue
    assert services.publish_due(timezone.now() + timedelta(hours=2)) == []
    assert_published_once(draft, members)


def test_publishing_during_scheduling_publishes_once(monkeypatch, officer, draft, members, mailoutbox):
    scheduled, published = race(
        monkeypatch,
        lambda: services.schedule_bulletin(draft, when=timezone.now() + timedelta(hours=1), by=officer),
        lambda: services.publish_bulletin(draft, by=officer),
    )
    assert scheduled.error is None and published.value == len(members)
    assert services.publish_due(timezone.now() + timedelta(hours=2)) == []  # published now, not again later
    assert_published_once(draft, members)


def test_two_schedules_at_once_leave_one_schedule(monkeypatch, officer, draft):
    soon, later = timezone.now() + timedelta(hours=1), timezone.now() + timedelta(hours=2)
    first, second = race(monkeypatch, lambda: services.schedule_bulletin(draft, when=soon, by=officer),
                         lambda: services.schedule_bulletin(draft, when=later, by=officer))
    assert first.error is None and second.error is None
    draft.refresh_from_db()
    assert (draft.status, draft.scheduled_for) == (Bulletin.Status.SCHEDULED, later)  # the last one saved


def test_two_schedulers_at_once_publish_each_due_bulletin_once(officer, sector_a, members, mailoutbox):
    """`manage.py publish_due` every minute from two hosts (or a slow run overlapping the next)."""
    due = [BulletinFactory(title=f"Due {n}", author=officer, sectors=[sector_a]) for n in range(4)]
    Bulletin.objects.filter(pk__in=[b.pk for b in due]).update(
        status=Bulletin.Status.SCHEDULED, scheduled_for=timezone.now() - timedelta(minutes=1))
    first, second = at_once(services.publish_due, services.publish_due)
    assert sorted(first.value + second.value) == sorted(b.pk for b in due)  # each by exactly one of them
    for bulletin in due:
        assert_published_once(bulletin, members)


# Two officers drafting the update of one published bulletin ------------------------------------------------


def test_two_officers_drafting_the_same_update_make_one_successor(monkeypatch, officer, draft, sector_a, members):
    services.publish_bulletin(draft, by=officer)

    def successor():
        return services.create_draft(by=officer, sectors=[sector_a], boroughs=[], supersedes=draft,
                                     title="Update", body="Reopened.")

    first, second = race(monkeypatch, successor, successor)
    assert first.error is None
    assert second.refused and str(second.error) == services.ANOTHER_SUCCESSOR
    assert Bulletin.objects.filter(supersedes=draft).count() == 1
