"""The Redis cache backend (CACHE_URL) builds one Redis client per connection pool, not one per operation."""

import os
import uuid

from probation.cache import RedisCache


def test_the_redis_cache_reuses_one_client_and_still_reads_and_writes():
    cache = RedisCache(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), {"KEY_PREFIX": f"t{uuid.uuid4().hex}"})
    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=True)
    cache.set("token", {"prefix": "abc"}, 30)
    cache.set("hits", 1, 30)
    assert cache.get("token") == {"prefix": "abc"}
    assert cache.incr("hits") == 2
    cache.delete_many(["token", "hits"])
    assert cache.get("token") is None
