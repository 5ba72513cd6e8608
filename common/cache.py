"""The Redis cache backend with one connection pool per process.

Django makes a new cache object for every request context (its connection handler is context-local), and its
Redis client keeps its connection pools on that object: under ASGI every request opened, greeted and dropped a
new TCP connection to Redis before its first cache call (Django ticket #35651). redis-py's pools are thread-safe
and notice a fork, so one per server and options is shared by the whole process instead.
"""

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedPoolRedisCacheClient(RedisCacheClient):
    _process_pools: dict[tuple, object] = {}
    _lock = threading.Lock()

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
