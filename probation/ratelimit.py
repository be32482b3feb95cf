"""Fixed-window counters for rate limits: one round trip a hit.

With Redis (CACHE_URL) a hit is `INCR key` and `EXPIRE key window NX` sent together in one pipeline (one round trip)
on one client per process (redis-py's pool is fork-safe: a forked worker opens its own connections). Without Redis
(development, tests) Django's cache serves, which is per process."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

_client = None


def _redis():
    global _client
    url = getattr(settings, "CACHE_URL", None)
    if not url:
        return None
    if _client is None:
        import redis

        _client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    return _client


def window_key(scope: str, ident, window: int, now: float | None = None) -> tuple[str, int]:
    """The counter's key for the current window and the seconds left in it."""
    now = time.time() if now is None else now
    number = int(now // window)
    left = max(1, int((number + 1) * window - now))
    return f"rl:{scope}:{ident}:{number}", left


def hit(scope: str, ident, window: int) -> tuple[int, int]:
    """Count one hit; returns (hits in this window so far, seconds until the window ends)."""
    key, left = window_key(scope, ident, window)
    client = _redis()
    if client is not None:
        pipe = client.pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, window, nx=True)
        count, _ = pipe.execute()
        return int(count), left
    cache.add(key, 0, window)
    try:
        return cache.incr(key), left
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1, left


def unhit(key: str) -> None:
    """Take back one hit counted under `key` (window_key's; a hit counted ahead of a check that then failed). The
    key, not the scope and time: the window may have turned since the hit."""
    client = _redis()
    if client is not None:
        client.decr(key)
        return
    try:
        cache.decr(key)
    except ValueError:
        pass


def peek(scope: str, ident, window: int) -> int:
    """Hits in the current window, without counting one."""
    key, _ = window_key(scope, ident, window)
    client = _redis()
    if client is not None:
        value = client.get(key)
        return int(value) if value else 0
    return int(cache.get(key) or 0)
