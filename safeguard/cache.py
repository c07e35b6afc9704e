"""Django's Redis cache, keeping one Redis client per connection pool instead of making one for every call.

``django.core.cache.backends.redis.RedisCacheClient.get_client`` builds a new ``redis.Redis`` object (around its
shared connection pool) on every cache operation; redis-py 5+ fills each new client's table of response callbacks,
about 0.08 ms of CPU, almost half of a ``cache.get`` (0.17 ms, 2-core bench machine). Every signed-in page reads its
session from the cache, and most read pre-counted figures: that is part of the fixed cost of a page (issue 18 item 6).

A ``redis.Redis`` client holds no connection of its own (each command borrows one from the pool, which redis-py
makes safe across threads and resets in a forked child), and Django keeps one cache backend per thread, so keeping
the client changes nothing else: the same pools, the same options, the same commands.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    """Django's client with ``get_client`` returning the same ``redis.Redis`` for the same pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        """The ``redis.Redis`` client of the pool Django would use for ``key`` (``write``: the primary server)."""
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with ``RedisCacheClient`` above (``CACHES`` in settings)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
