"""The one reminder: when a check-in's reminder time has come, the asked members of organisations that have not
answered get one e-mail each (with the page and the one-click answer links), once, even with two schedulers."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.mail import get_connection
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from audit.models import AuditEntry
from messaging.bulletins.models import SENSITIVE_PLACEHOLDER, Bulletin
from messaging.checkins import chasing, services, tasks
from messaging.checkins.models import CheckIn, ReminderSent
from messaging.checkins.tasks import send_reminder_emails
from tests.checkins.asking import answer, ask_incident
from tests.factories import OrganisationFactory, member_of

ON_SQLITE = "two schedulers racing for one row run on the PostgreSQL run (SQLite locks the whole file)"


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    """The reminder is sent by the time the scheduler's transaction commits; the queue has its own test."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def asked(sector_a, sector_b):
    acme = member_of(sector_a, organisation=OrganisationFactory(name="Acme"))
    acme_colleague = member_of(sector_a, organisation=acme.organisation)
    bolt = member_of(sector_b, organisation=OrganisationFactory(name="Bolt"))
    crane = member_of(sector_a, organisation=OrganisationFactory(name="Crane"))
    return acme, acme_colleague, bolt, crane


def reminders(mailoutbox) -> list:
    return [message for message in mailoutbox if message.subject.startswith("[The Hub] Reminder")]


class WorkerKilled(BaseException):
    """A worker killed while sending, as the task sees it: it stops there and its transaction rolls back."""


class Mail:
    """The mail connection, except that sending the ``failing``-th message (from 1) raises ``error`` and
    ``before`` runs before each message is handed over (its number given)."""

    def __init__(self, failing: int = 0, error: BaseException | None = None, before=None):
        self.mail, self.failing, self.error, self.before, self.count = get_connection(), failing, error, before, 0

    def send_messages(self, messages) -> int:
        self.count += 1
        if self.before is not None:
            self.before(self.count)
        if self.count == self.failing:
            raise self.error
        return self.mail.send_messages(messages)


@pytest.mark.django_db
def test_the_reminder_goes_once_to_each_asked_member_of_the_organisations_that_have_not_answered(
        officer, sector_a, sector_b, mailoutbox, django_capture_on_commit_callbacks):
    acme, acme_colleague, bolt, crane = asked(sector_a, sector_b)
    soon = timezone.now() + timedelta(minutes=30)
    check_in = ask_incident(officer, [sector_a, sector_b], remind_at=soon)
    answer(check_in, crane, "Not affected")
    mailoutbox.clear()
    assert chasing.send_due_reminders(timezone.now()) == []  # not yet
    with django_capture_on_commit_callbacks(execute=True):
        assert chasing.send_due_reminders(soon + timedelta(seconds=1)) == [check_in.pk]
    sent = reminders(mailoutbox)
    assert sorted(message.to[0] for message in sent) == sorted([acme.email, acme_colleague.email, bolt.email])
    body = sent[0].body
    assert "Are your premises affected?" in body and check_in.get_absolute_url() in body
    assert "/checkins/answer/" in body  # the one-click links
    assert len({message.extra_headers["Message-ID"] for message in sent}) == 3
    check_in.refresh_from_db()
    assert check_in.reminder_sent_at is not None
    assert AuditEntry.objects.filter(action="checkin.remind").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert chasing.send_due_reminders(soon + timedelta(minutes=5)) == []  # once
    assert len(reminders(mailoutbox)) == 3


@pytest.mark.django_db
def test_the_reminder_of_a_question_carried_by_an_official_sensitive_bulletin_only_says_one_is_waiting(
        officer, sector_a, sector_b, mailoutbox, django_capture_on_commit_callbacks):
    asked(sector_a, sector_b)
    soon = timezone.now() + timedelta(minutes=30)
    check_in = ask_incident(officer, [sector_a, sector_b], question="Is the Zebra-7 vault door shut?", remind_at=soon)
    Bulletin.objects.filter(pk=check_in.carrier_id).update(marking=Bulletin.Marking.OFFICIAL_SENSITIVE)
    with django_capture_on_commit_callbacks(execute=True):
        chasing.send_due_reminders(soon + timedelta(seconds=1))
    sent = reminders(mailoutbox)
    assert sent
    for message in sent:
        assert "Zebra-7" not in message.subject and "Zebra-7" not in message.body
        assert SENSITIVE_PLACEHOLDER in message.subject
        assert check_in.get_absolute_url() in message.body


@pytest.mark.django_db
def test_no_reminder_for_a_closed_check_in_or_one_without_a_reminder_time(officer, sector_a, sector_b, mailoutbox,
                                                                         django_capture_on_commit_callbacks):
    asked(sector_a, sector_b)
    soon = timezone.now() + timedelta(minutes=30)
    closed = ask_incident(officer, [sector_a], remind_at=soon)
    services.close_check_in(closed, by=officer)
    ask_incident(officer, [sector_a])  # no reminder asked for
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert chasing.send_due_reminders(soon + timedelta(hours=1)) == []
    assert reminders(mailoutbox) == []


@pytest.mark.django_db
def test_the_scheduler_round_sends_due_reminders(officer, sector_a, sector_b, mailoutbox):
    acme, *_ = asked(sector_a, sector_b)
    check_in = ask_incident(officer, [sector_a], remind_at=timezone.now() + timedelta(minutes=30))
    CheckIn.objects.filter(pk=check_in.pk).update(remind_at=timezone.now() - timedelta(seconds=1))
    out = StringIO()
    call_command("publish_due", stdout=out)
    assert "Queued the reminders of 1 check-in." in out.getvalue()
    CheckIn.objects.get(pk=check_in.pk).reminder_sent_at is not None  # noqa: B015


@pytest.mark.skipif(connection.vendor != "postgresql", reason=ON_SQLITE)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_schedulers_at_once_send_the_reminder_once(officer, sector_a, sector_b, mailoutbox, settings):
    asked(sector_a, sector_b)
    soon = timezone.now() + timedelta(minutes=30)
    check_in = ask_incident(officer, [sector_a, sector_b], remind_at=soon)
    mailoutbox.clear()
    # The production queue: the task row is written in the claiming transaction, or not at all.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    start, results, errors = threading.Barrier(2), [], []

    def scheduler():
        try:
            start.wait(10)
            results.append(chasing.send_due_reminders(soon + timedelta(seconds=1)))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    for _ in range(3):  # released together, again and again: never twice
        CheckIn.objects.filter(pk=check_in.pk).update(reminder_sent_at=None)
        DBTaskResult.objects.all().delete()
        results.clear()
        threads = [threading.Thread(target=scheduler) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert errors == []
        assert sorted(results, key=len) == [[], [check_in.pk]]
        queued = DBTaskResult.objects.filter(task_path__endswith="send_reminder_emails")
        assert [row.args_kwargs["args"] for row in queued] == [[check_in.pk]]
    # What the one queued task sends: Acme's two members, Bolt's and Crane's (nobody answered), once each.
    assert send_reminder_emails.call(check_in.pk) == 4
    assert len(reminders(mailoutbox)) == 4


@pytest.mark.django_db
def test_a_reminder_run_again_after_its_worker_died_emails_only_those_it_had_not(officer, sector_a, sector_b,
                                                                                 mailoutbox, monkeypatch):
    everyone = asked(sector_a, sector_b)
    check_in = ask_incident(officer, [sector_a, sector_b], remind_at=timezone.now() + timedelta(minutes=30))
    mailoutbox.clear()
    monkeypatch.setattr(tasks, "get_connection", lambda: Mail(failing=3, error=WorkerKilled()))
    with pytest.raises(WorkerKilled):
        send_reminder_emails.call(check_in.pk)
    assert len(reminders(mailoutbox)) == 2  # before the worker died handing over the third
    monkeypatch.setattr(tasks, "get_connection", get_connection)
    assert send_reminder_emails.call(check_in.pk) == 2  # the task, put back on the queue: the other two
    assert sorted(message.to[0] for message in reminders(mailoutbox)) == sorted(user.email for user in everyone)
    assert send_reminder_emails.call(check_in.pk) == 0


@pytest.mark.django_db
def test_a_reminder_the_mail_server_refused_is_sent_by_a_later_run_and_the_others_are_not_held_up(
        officer, sector_a, sector_b, mailoutbox, monkeypatch):
    everyone = asked(sector_a, sector_b)
    check_in = ask_incident(officer, [sector_a, sector_b], remind_at=timezone.now() + timedelta(minutes=30))
    mailoutbox.clear()
    refusing_once = Mail(failing=1, error=ConnectionRefusedError())
    monkeypatch.setattr(tasks, "get_connection", lambda: refusing_once)
    # The first is refused, the other three sent; the run queues another (run at once here), which sends the first.
    assert send_reminder_emails.call(check_in.pk) == 3
    assert sorted(message.to[0] for message in reminders(mailoutbox)) == sorted(user.email for user in everyone)


@pytest.mark.django_db
def test_a_reminder_the_mail_server_keeps_refusing_is_given_up_after_a_few_runs(officer, sector_a, sector_b,
                                                                                mailoutbox, monkeypatch):
    asked(sector_a, sector_b)
    check_in = ask_incident(officer, [sector_a, sector_b], remind_at=timezone.now() + timedelta(minutes=30))
    mailoutbox.clear()
    refused = []

    class Refusing:
        def send_messages(self, messages):
            refused.append(messages[0].to[0])
            raise ConnectionRefusedError

    monkeypatch.setattr(tasks, "get_connection", Refusing)
    assert send_reminder_emails.call(check_in.pk) == 0
    assert len(refused) == 4 * tasks.MAX_ATTEMPTS and len(set(refused)) == 4  # each of the four, in every run
    assert reminders(mailoutbox) == [] and not ReminderSent.objects.exists()


@pytest.mark.django_db
def test_a_reminder_stops_as_soon_as_the_check_in_closes(officer, sector_a, sector_b, mailoutbox, monkeypatch):
    asked(sector_a, sector_b)
    check_in = ask_incident(officer, [sector_a, sector_b], remind_at=timezone.now() + timedelta(minutes=30))
    mailoutbox.clear()

    def close_after_the_second(count: int) -> None:
        if count == 2:
            services.close_check_in(check_in, by=officer)

    monkeypatch.setattr(tasks, "get_connection", lambda: Mail(before=close_after_the_second))
    assert send_reminder_emails.call(check_in.pk) == 2  # the one being handed over when it closed went out
    assert len(reminders(mailoutbox)) == 2 and ReminderSent.objects.count() == 2


@pytest.mark.django_db
def test_a_member_another_run_of_the_reminder_claimed_is_left_to_it(officer, sector_a, sector_b, mailoutbox,
                                                                    monkeypatch):
    everyone = asked(sector_a, sector_b)
    acme = everyone[0]
    check_in = ask_incident(officer, [sector_a, sector_b], remind_at=timezone.now() + timedelta(minutes=30))
    mailoutbox.clear()
    ReminderSent.objects.create(check_in=check_in, user=acme)  # another run's claim...
    reads, still_to_remind = [], tasks.reminder_recipients

    def read_before_that_claim(check_in):  # ...committed after this run read whom to remind
        reads.append(check_in)
        if len(reads) == 1:
            return User.objects.filter(pk__in=[user.pk for user in everyone]).order_by("pk")
        return still_to_remind(check_in)

    monkeypatch.setattr(tasks, "reminder_recipients", read_before_that_claim)
    assert send_reminder_emails.call(check_in.pk) == 3
    assert acme.email not in [message.to[0] for message in reminders(mailoutbox)]
