"""The Redis cache that keeps its client between calls (``safeguard.cache``): the same answers as Django's, and one
client per connection pool."""

import os

import pytest
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from safeguard.cache import RedisCache

REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a Redis server): CI and production have one")


@pytest.fixture
def backend():
    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": f"test-cache-client-{os.getpid()}"})
    yield cache
    cache.delete_many(["figure", "a", "b"])


def test_it_answers_as_djangos_redis_cache(backend):
    assert isinstance(backend, DjangoRedisCache)  # code that asks "is this Redis?" (datacache, conftest) still knows
    backend.set("figure", {"pupils": 400}, 30)
    assert backend.get("figure") == {"pupils": 400}
    backend.set_many({"a": 1, "b": 2}, 30)
    assert backend.get_many(["a", "b", "missing"]) == {"a": 1, "b": 2}
    assert backend.incr("a") == 2
    backend.delete("figure")
    assert backend.get("figure") is None


def test_one_client_per_pool(backend):
    client = backend._cache.get_client("figure")
    assert backend._cache.get_client("other key") is client
    assert backend._cache.get_client(write=True) is client  # one server: reads and writes share its pool
