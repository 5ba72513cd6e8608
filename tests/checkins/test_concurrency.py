"""Two members of one organisation answering at once, for real: two threads, each with its own PostgreSQL
connection and transaction. One current answer, two history rows, whichever commits first; and an answer racing
the close either lands before the tally is frozen (and is counted) or is refused.

SQLite has no row locks (a writer locks the whole file), so these run on the PostgreSQL run only."""

import threading

import pytest
from django.db import connection, connections

from messaging.checkins import services
from messaging.checkins.models import Answer, AnswerChange, CheckIn
from tests.checkins.asking import ask_incident
from tests.factories import OrganisationFactory, member_of

ON_SQLITE = "races on row locks run on the PostgreSQL run (SQLite has no row locks: it locks the whole file)"
pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason=ON_SQLITE),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WAIT = 20


def _race(*calls):
    start = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            start.wait(WAIT)
            outcomes[index] = call()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, call), daemon=True) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
        assert not thread.is_alive(), "a racing call never finished (deadlock?)"
    return outcomes


@pytest.fixture
def setting(officer, sector_a):
    organisation = OrganisationFactory(name="Racing Retail")
    ann = member_of(sector_a, organisation=organisation, display_name="Ann")
    bob = member_of(sector_a, organisation=organisation, display_name="Bob")
    return {"check_in": ask_incident(officer, [sector_a]), "ann": ann, "bob": bob, "organisation": organisation}


@pytest.mark.parametrize("round_", range(5))
def test_two_members_answering_at_once_make_one_answer_and_two_history_rows(setting, round_):
    check_in, ann, bob = setting["check_in"], setting["ann"], setting["bob"]
    first, second = check_in.choices.all()[:2]
    outcomes = _race(
        lambda: services.answer(check_in, ann.organisation, first, "Ann's note", None, ann),
        lambda: services.answer(check_in, bob.organisation, second, "Bob's note", None, bob),
    )
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    assert Answer.objects.count() == 1
    history = list(AnswerChange.objects.order_by("at", "pk"))
    assert len(history) == 2 and {change.by_id for change in history} == {ann.pk, bob.pk}
    current = Answer.objects.get()
    assert (current.choice_id, current.answered_by_id) == (history[-1].choice_id, history[-1].by_id)
    assert {o.outcome for o in outcomes} == {services.Outcome.RECORDED, services.Outcome.CHANGED}


def test_an_answer_racing_the_close_is_counted_or_refused(setting, officer):
    check_in, ann = setting["check_in"], setting["ann"]
    choice = check_in.choices.first()
    outcomes = _race(
        lambda: services.answer(check_in, ann.organisation, choice, "", None, ann),
        lambda: services.close_check_in(check_in, by=officer),
    )
    closed = CheckIn.objects.get(pk=check_in.pk)
    assert not isinstance(outcomes[1], BaseException), outcomes
    if isinstance(outcomes[0], services.CheckInError):
        assert Answer.objects.count() == 0 and closed.final_tally["answered"] == 0
    else:
        assert not isinstance(outcomes[0], BaseException), outcomes
        assert Answer.objects.count() == 1 and closed.final_tally["answered"] == 1
