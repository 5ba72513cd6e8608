"""The Redis cache backend with one connection pool per process.

Django makes a new cache object for every request context (its connection handler is context-local), and its
Redis client keeps its connection pools on that object: under ASGI every request opened, greeted and dropped a
new TCP connection to Redis before its first cache call (Django ticket #35651). redis-py's pools are thread-safe
and notice a fork, so one per server and options is shared by the whole process instead.

So is the redis-py client over each pool: Django makes one per cache call, and redis-py 8 builds a client's
table of ~300 response callbacks in its constructor (0.15 ms of CPU a call here; a check-in answer makes four).
A client holds no connection of its own (it borrows from the pool per command), so threads can share it.
"""

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedPoolRedisCacheClient(RedisCacheClient):
    _process_pools: dict[tuple, object] = {}
    _process_clients: dict[int, object] = {}
    _lock = threading.Lock()

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._process_clients.get(id(pool))
        if client is None:
            with self._lock:
                client = self._process_clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client

    def _get_connection_pool(self, write: bool):
        index = self._get_connection_pool_index(write)
        key = (self._servers[index], self._pool_class, repr(sorted(self._pool_options.items())))
        pool = self._process_pools.get(key)
        if pool is None:
            with self._lock:
                pool = self._process_pools.get(key)
                if pool is None:
                    pool = self._pool_class.from_url(self._servers[index], **self._pool_options)
                    self._process_pools[key] = pool
        return pool


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient
