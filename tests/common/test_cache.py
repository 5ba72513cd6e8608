"""The Redis cache backend (production settings): Django makes a cache object per request context; ours must not
make a Redis connection, nor a redis-py client, per request."""

import os
import threading

import pytest
import redis
from django.core.cache.backends.redis import RedisCache

from common.cache import SharedPoolRedisCache

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


class CountingConnection(redis.Connection):
    opened = 0

    def _connect(self):
        type(self).opened += 1
        return super()._connect()


@pytest.fixture
def redis_server():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server to talk to")
    CountingConnection.opened = 0
    return REDIS_URL


def connections_opened_by_requests(backend, url: str, requests: int) -> int:
    """Each request in its own thread with its own cache object, as Django's handler gives a request context."""
    params = {"KEY_PREFIX": "test-cache-pool", "OPTIONS": {"connection_class": CountingConnection}}

    def request() -> None:
        cache = backend(url, params)
        cache.set("visits", 1)
        assert cache.get("visits") == 1

    request()  # the process's first request opens what it needs
    before = CountingConnection.opened
    for _ in range(requests):
        thread = threading.Thread(target=request)
        thread.start()
        thread.join()
    return CountingConnection.opened - before


def test_requests_reuse_the_process_redis_connection(redis_server):
    assert connections_opened_by_requests(SharedPoolRedisCache, redis_server, 10) == 0


def test_requests_share_the_process_redis_client(redis_server):
    """Django makes a client per cache call; redis-py's constructor is not cheap (its response callbacks)."""
    params = {"KEY_PREFIX": "test-cache-pool"}
    clients = []

    def request() -> None:
        cache = SharedPoolRedisCache(redis_server, params)
        cache.set("visits", 1)
        clients.append(cache._cache.get_client(write=True))

    for _ in range(3):
        thread = threading.Thread(target=request)
        thread.start()
        thread.join()
    assert clients[0] is clients[1] is clients[2]


def test_djangos_own_backend_opens_a_connection_per_request_which_is_why_ours_exists(redis_server):
    assert connections_opened_by_requests(RedisCache, redis_server, 10) == 10
