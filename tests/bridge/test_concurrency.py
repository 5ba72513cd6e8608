"""Two schedulers at once, for real: threads, each with its own PostgreSQL connection, run the reminder round for
the same call at the same moment; the conditional UPDATE lets one of them claim it, so one e-mail each."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections

from messaging.bridge import services
from messaging.bridge.models import BridgeCall, Invitation
from tests.bridge.conftest import in_future

ON_SQLITE = "races on row locks run on the PostgreSQL run (SQLite has no row locks: it locks the whole file)"
pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason=ON_SQLITE),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WAIT = 20


@pytest.mark.parametrize("schedulers", [2, 4])
def test_the_reminder_is_sent_exactly_once_with_schedulers_racing(schedule, reps, sector_a, schedulers):
    call = schedule(sectors=[sector_a], starts_at=in_future(1))
    for user in (reps["rita"], reps["cathy"]):
        services.respond(Invitation.objects.get(call=call, user=user), by=user, response="accepted")
    mail.outbox.clear()
    at = call.starts_at - timedelta(minutes=10)
    start = threading.Barrier(schedulers)
    results, errors = [], []

    def run() -> None:
        try:
            start.wait(WAIT)
            results.append(services.send_due_reminders(at))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, daemon=True) for _ in range(schedulers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert not errors
    assert sorted(map(len, results)) == [0] * (schedulers - 1) + [1]
    assert Counter(m.to[0] for m in mail.outbox) == {reps["rita"].email: 1, reps["cathy"].email: 1}
    assert BridgeCall.objects.get(pk=call.pk).reminder_sent_at == at
