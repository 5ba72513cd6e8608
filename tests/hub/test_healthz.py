import socket
import threading
import time

import pytest
from channels.layers import channel_layers
from django.db import DatabaseError

from hub import health

# A probe answers within this, stall or not (health.TIMEOUT plus the time to answer).
BOUND = 3.0


@pytest.fixture
def stalled():
    """A check that hangs until the test ends (then lets go, so no thread outlives the test)."""
    release = threading.Event()
    calls = []

    def stalled_check(timeout: float | None = None) -> None:
        calls.append(timeout)
        release.wait(30)

    stalled_check.calls = calls
    yield stalled_check
    release.set()
    for thread in list(getattr(health, "_running", {}).values()):
        thread.join(5)


@pytest.fixture
def redis_channel_layer(settings):
    """Point the channel layer at a Redis address chosen by the test."""
    def use(address: str) -> None:
        settings.CHANNEL_LAYERS = {
            "default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer", "CONFIG": {"hosts": [address]}}
        }
        channel_layers.backends.clear()

    yield use
    channel_layers.backends.clear()


def timed_get(client, path: str, *, limit: float = 15):
    """GET path in a thread, so that a probe hanging on a stall fails the test instead of hanging it."""
    outcome = {}

    def get() -> None:
        started = time.monotonic()
        outcome["response"] = client.get(path)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=get, daemon=True)
    thread.start()
    thread.join(limit)
    assert not thread.is_alive(), f"{path} did not answer within {limit} s"
    return outcome["response"], outcome["seconds"]


@pytest.mark.django_db
def test_healthz_reports_database_and_channel_layer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "channel_layer": "ok"}}


@pytest.mark.django_db
def test_healthz_is_503_and_names_the_failed_channel_layer_at_once(client, redis_channel_layer):
    # Nothing listens on port 1: the layer cannot answer.
    redis_channel_layer("redis://127.0.0.1:1/0")
    response, seconds = timed_get(client, "/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "checks": {"database": "ok", "channel_layer": "error"}}
    assert seconds < BOUND


@pytest.mark.django_db
def test_healthz_is_503_within_its_bound_when_redis_accepts_but_never_answers(client, redis_channel_layer):
    """A stalled Redis (the connection opens, no reply ever comes) used to hold the probe forever."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; nobody ever reads or answers
        redis_channel_layer(f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        response, seconds = timed_get(client, "/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "channel_layer": "timeout"}
    assert seconds < BOUND


@pytest.mark.django_db
def test_healthz_is_503_and_names_the_failed_database(client, monkeypatch, caplog):
    def broken_database(timeout: float | None = None) -> None:
        raise DatabaseError("connection refused by db.internal")

    monkeypatch.setitem(health.CHECKS, "database", broken_database)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "error", "channel_layer": "ok"}
    # The details are in the log, never in the answer.
    assert "db.internal" not in response.content.decode()
    assert "connection refused by db.internal" in caplog.text


@pytest.mark.django_db
def test_a_stalled_database_answers_503_timeout_within_the_bound(client, monkeypatch, stalled):
    monkeypatch.setitem(health.CHECKS, "database", stalled)
    response, seconds = timed_get(client, "/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "checks": {"database": "timeout", "channel_layer": "ok"}}
    assert seconds < BOUND


@pytest.mark.django_db
def test_a_check_still_stuck_from_the_last_probe_is_not_started_again(client, monkeypatch, stalled):
    """Probes every few seconds during a long stall must not pile up threads and connections on it."""
    monkeypatch.setitem(health.CHECKS, "database", stalled)
    timed_get(client, "/healthz")
    response, seconds = timed_get(client, "/healthz")
    assert response.json()["checks"]["database"] == "timeout"
    assert seconds < 1  # answered at once: the stuck check is known
    assert len(stalled.calls) == 1


def test_healthz_accepts_only_get(client):
    assert client.post("/healthz").status_code == 405
