"""Rate-limit counters: with Redis, one round trip a hit (INCR and EXPIRE pipelined) on one client per process."""

import pytest

from probation import ratelimit


@pytest.fixture
def redis_counters(redis_rate_limits):
    yield
    client = ratelimit._client
    if client is not None:
        for key in client.scan_iter("rl:test-scope:*"):
            client.delete(key)


def test_a_hit_is_one_round_trip_and_the_counter_expires(redis_counters, monkeypatch):
    from redis.connection import Connection

    sends = []
    original = Connection.send_packed_command

    def counting(self, command, *args, **kwargs):
        sends.append(command)
        return original(self, command, *args, **kwargs)

    ratelimit.hit("test-scope", "warm", 60)  # connects (the handshake is not a hit's cost)
    monkeypatch.setattr(Connection, "send_packed_command", counting)
    counts = [ratelimit.hit("test-scope", "ident", 60)[0] for _ in range(3)]
    assert counts == [1, 2, 3]
    assert len(sends) == 3  # one write a hit: INCR and EXPIRE go together
    client = ratelimit._client
    key, _ = ratelimit.window_key("test-scope", "ident", 60)
    assert 0 < client.ttl(key) <= 60
    assert ratelimit._redis() is client  # one client per process
    assert ratelimit.peek("test-scope", "ident", 60) == 3
