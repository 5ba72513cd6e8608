import pytest
from channels.layers import channel_layers
from django.db import DatabaseError

from hub import health


@pytest.mark.django_db
def test_healthz_reports_database_and_channel_layer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "channel_layer": "ok"}}


@pytest.mark.django_db
def test_healthz_is_503_and_names_the_failed_channel_layer(client, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # Nothing listens on port 1: the layer cannot answer.
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }

    channel_layers.backends.clear()
    try:
        response = client.get("/healthz")
    finally:
        channel_layers.backends.clear()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["channel_layer"] == "error"


@pytest.mark.django_db
def test_healthz_is_503_and_names_the_failed_database(client, monkeypatch):
    def broken_database() -> None:
        raise DatabaseError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", broken_database)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error"  # details only in the log
    assert response.json()["checks"]["channel_layer"] == "ok"


def test_healthz_accepts_only_get(client):
    assert client.post("/healthz").status_code == 405
