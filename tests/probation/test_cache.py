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


def test_the_redis_cache_reads_many_and_bumps_a_counter_in_one_round_trip_and_never_creates_a_missing_counter():
    from probation.cache import bump, get_many_and_bump

    cache = RedisCache(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), {"KEY_PREFIX": f"t{uuid.uuid4().hex}"})
    cache.set("boroughs", {"CMD": "Camden"}, 30)
    cache.set("version", 7, 30)
    get_many_and_bump(cache, ["warm-up"], "warm-up")  # Redis learns the script once (its first use sends it)
    client = cache._cache.get_client(write=True)
    sent = []
    original = client.connection_pool.get_connection

    def counting(*args, **kwargs):
        sent.append(args)
        return original(*args, **kwargs)

    client.connection_pool.get_connection = counting
    try:
        found = get_many_and_bump(cache, ["boroughs", "tiers"], "version")
    finally:
        client.connection_pool.get_connection = original
    assert found == {"boroughs": {"CMD": "Camden"}}
    assert len(sent) == 1
    assert cache.get("version") == 8
    bump(cache, "version")
    assert cache.get("version") == 9
    get_many_and_bump(cache, ["boroughs"], "never-set")
    bump(cache, "never-set")
    assert cache.get("never-set") is None
    cache.delete_many(["boroughs", "version"])


def test_the_memory_cache_reads_many_and_bumps_a_counter_the_same_way():
    from django.core.cache.backends.locmem import LocMemCache

    from probation.cache import bump, get_many_and_bump

    cache = LocMemCache(f"t{uuid.uuid4().hex}", {})
    cache.set("boroughs", ["CMD"], 30)
    cache.set("version", 7, 30)
    assert get_many_and_bump(cache, ["boroughs", "tiers"], "version") == {"boroughs": ["CMD"]}
    assert cache.get("version") == 8
    bump(cache, "never-set")
    assert cache.get("never-set") is None


def test_get_many_or_build_builds_and_stores_only_what_was_missing_each_under_its_own_timeout():
    from django.core.cache.backends.locmem import LocMemCache

    from probation.cache import get_many_or_build

    cache = LocMemCache(f"t{uuid.uuid4().hex}", {})
    built = []
    builders = {"a": (lambda: built.append("a") or 1, 30), "b": (lambda: built.append("b") or 2, 300)}
    assert get_many_or_build({"a": 5}, builders, cache) == {"a": 5, "b": 2}
    assert built == ["b"]
    assert cache.get("a") is None and cache.get("b") == 2


def test_reference_data_is_unpickled_again_only_when_its_stored_bytes_change():
    from probation.cache import get_many_and_bump

    cache = RedisCache(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), {"KEY_PREFIX": f"t{uuid.uuid4().hex}"})
    cache.set("tiers", {"red": 4}, 30)
    first = get_many_and_bump(cache, ["tiers"], "version")["tiers"]
    assert get_many_and_bump(cache, ["tiers"], "version")["tiers"] is first  # the same bytes: not unpickled again
    cache.set("tiers", {"red": 2}, 30)  # an administrator changes a tier: the cache entry is replaced
    assert get_many_and_bump(cache, ["tiers"], "version")["tiers"] == {"red": 2}
    cache.delete_many(["tiers"])
    assert get_many_and_bump(cache, ["tiers"], "version") == {}
