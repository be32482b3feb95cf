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
