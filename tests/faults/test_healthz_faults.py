"""/healthz under faults, on real servers: a database query stuck behind another connection's lock, and a real
daphne process probed many times on the pub/sub channel layer."""

import subprocess
import sys
import threading
import time

import pytest
from django.db import connection

from hub import health
from tests.faults.helpers import free_port, healthz_status, requires_postgresql, wait_until
from tests.processes import BASE_DIR, process_env

pytestmark = pytest.mark.faults

LOCK_KEY = 4_2014_0001


def waiting_on_the_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
                       [f"%pg_advisory_xact_lock({LOCK_KEY})%"])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_database_query_stuck_on_a_lock_answers_503_and_the_server_gives_up_on_it(client, monkeypatch):
    requires_postgresql()
    # This test's connection holds the lock (until its transaction rolls back); the probe must wait for it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    monkeypatch.setattr(health, "DATABASE_PROBE", f"SELECT pg_advisory_xact_lock({LOCK_KEY})")

    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 3.0
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "timeout", "channel_layer": "ok"}
    # statement_timeout: the server cancels the waiting query soon after, freeing its connection.
    wait_until(lambda: waiting_on_the_lock() == 0, timeout=5, message="the stuck probe query to be cancelled")

    monkeypatch.setattr(health, "DATABASE_PROBE", "SELECT 1")
    for thread in list(health._running.values()):
        thread.join(5)
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_probes_of_a_real_server_leave_no_redis_subscription_behind(private_redis):
    """The pub/sub layer subscribes to each probe's channel; on the server's own event loop nothing ever
    unsubscribed it: 300 probes, 300 subscriptions."""
    port = free_port()
    env = process_env(TASKS_BACKEND="immediate", REDIS_URL=private_redis.url, CHANNELS_PREFIX=private_redis.prefix,
                      CHANNEL_LAYER="pubsub")
    serve = subprocess.Popen(  # noqa: S603 - our own launcher
        [sys.executable, "-m", "hub.serve", "--processes", "1", "--port", str(port)], cwd=BASE_DIR, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    redis = private_redis.client()
    try:
        wait_until(lambda: healthz_status(port) == 200, timeout=30, message="the server to answer /healthz")
        # A few at once as well as one after another, as several load balancers would probe.
        statuses = []
        threads = [threading.Thread(target=lambda: statuses.extend(healthz_status(port) for _ in range(10)))
                   for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert statuses == [200] * 50
        time.sleep(0.5)  # an unsubscribe sent as the last answer went out
        assert redis.pubsub_channels(f"{private_redis.prefix}*") == []
        assert redis.pubsub_numpat() == 0
    finally:
        serve.terminate()
        serve.wait(timeout=15)

