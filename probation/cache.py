"""Django's Redis cache backend, with one Redis client object per connection pool instead of one per operation.

django.core.cache.backends.redis builds a new `redis.Redis` for every get, set or incr (about 170 response
callbacks registered each time); a partner API submit makes about six cache operations. The client is thread-safe
(connections come from its pool) and Django keeps one cache object per thread anyway."""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ReusedClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusedClient
        self._scripts = {}

    def _script(self, source: str):
        """A Lua script registered on the write client, called by its SHA (redis-py loads it if Redis has not got
        it). One command a call: a pipeline of the same commands cost redis-py about twice the CPU."""
        client = self._cache.get_client(write=True)
        script = self._scripts.get((id(client), source))
        if script is None:
            script = self._scripts[(id(client), source)] = client.register_script(source)
        return script

    def get_many_and_bump(self, keys, bump_key) -> dict:
        """`get_many(keys)` and `bump(bump_key)` in one round trip (one Lua script). For reference data read on every
        call and never changed by its readers (boroughs, deadline tiers, the calendar): a value whose stored bytes
        are those seen last time is not unpickled again (that was a twentieth of a submit's CPU); a changed value
        has other bytes, so it is read afresh at once. Our keys are fixed names, so they are not validated for
        memcached (a loop over every character, on every call)."""
        made = {self.make_key(key): key for key in keys}
        values = self._script(_MGET_AND_INCR_IF_PRESENT)(keys=[*made, self.make_key(bump_key)])
        return {key: self._loads_remembered(made_key, value)
                for (made_key, key), value in zip(made.items(), values) if value is not None}

    def _loads_remembered(self, made_key: str, value: bytes):
        remembered = _REMEMBERED.get(made_key)
        if remembered is not None and remembered[0] == value:
            return remembered[1]
        loaded = self._cache._serializer.loads(value)
        _REMEMBERED[made_key] = (value, loaded)
        return loaded

    def get_and_count(self, key, counter_key: str, window: int):
        """`get(key)` and one fixed-window hit on the raw counter `counter_key` (INCR, and EXPIRE when it has no
        expiry yet: as probation.ratelimit.hit) in one round trip. Returns (value or None, count)."""
        value, count = self._script(_GET_AND_COUNT)(keys=[self.make_key(key), counter_key], args=[window])
        return (self._cache._serializer.loads(value) if value is not None else None), int(count)

    def bump(self, key) -> None:
        """Add one to `key` if it is there, in one round trip (Django's incr makes two: EXISTS, then INCRBY)."""
        self._script(_INCR_IF_PRESENT)(keys=[self.make_and_validate_key(key)])


# Per process: {cache key: (stored bytes, the value they unpickled to)}, for get_many_and_bump's few reference keys.
_REMEMBERED: dict = {}

_MGET_AND_INCR_IF_PRESENT = """
local values = redis.call('MGET', unpack(KEYS, 1, #KEYS - 1))
if redis.call('EXISTS', KEYS[#KEYS]) == 1 then redis.call('INCR', KEYS[#KEYS]) end
return values
"""

_GET_AND_COUNT = """
local value = redis.call('GET', KEYS[1])
local count = redis.call('INCR', KEYS[2])
if redis.call('TTL', KEYS[2]) < 0 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
return {value, count}
"""

# INCR only a key that exists: a missing version key must stay missing (its next reader starts a fresh version).
_INCR_IF_PRESENT = "if redis.call('exists', KEYS[1]) == 1 then return redis.call('incr', KEYS[1]) end return false"


def bump(cache, key) -> None:
    """Add one to a counter in `cache` if it is there; nothing if it is not (evicted, or never read)."""
    if hasattr(cache, "bump"):
        cache.bump(key)
        return
    try:
        cache.incr(key)
    except ValueError:
        pass


def get_many_and_bump(cache, keys, bump_key) -> dict:
    """`cache.get_many(keys)` and `bump(cache, bump_key)`: one round trip with Redis (probation.cache.RedisCache)."""
    if hasattr(cache, "get_many_and_bump"):
        return cache.get_many_and_bump(keys, bump_key)
    found = cache.get_many(keys)
    bump(cache, bump_key)
    return found


def get_many_or_build(found: dict, builders: dict, cache) -> dict:
    """`found` (what a get_many returned) completed from `builders` ({key: (build, timeout)}) for the keys it lacks,
    which are stored back (one set_many per timeout)."""
    missing = {}
    for key, (build, timeout) in builders.items():
        if key not in found:
            found[key] = build()
            missing.setdefault(timeout, {})[key] = found[key]
    for timeout, values in missing.items():
        cache.set_many(values, timeout)
    return found
