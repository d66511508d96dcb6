"""The process's memory (ozgeris.memo) and the Redis rate-limit counters (ozgeris.cache)."""

import pytest
from django.core.cache import cache

from ozgeris import memo
from ozgeris.clients import over_limit

on_redis = pytest.mark.skipif(not hasattr(cache, "count_hits"),
                              reason="needs Redis: runs in the second CI pass (REDIS_URL)")


def test_a_remembered_value_is_computed_once_until_it_expires(monkeypatch):
    calls = []
    clock = [100.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: clock[0])

    def compute():
        calls.append(1)
        return {"finalists": len(calls)}

    first = memo.remember("facts", 5, compute)
    assert memo.remember("facts", 5, compute) is first  # the same object, not a copy
    clock[0] += 5.1
    assert memo.remember("facts", 5, compute) == {"finalists": 2}
    assert memo.claim("seal", 1) and not memo.claim("seal", 1)
    clock[0] += 1.1
    assert memo.claim("seal", 1)


@on_redis
def test_counters_count_in_one_command_and_expire():
    from django.core.cache import cache

    assert cache.count_hits([("hits:a", 30), ("hits:b", 60)]) == [1, 1]
    assert cache.count_hits([("hits:a", 30), ("hits:b", 60)]) == [2, 2]
    client = cache._cache.get_client(write=True)
    assert 0 < client.ttl(cache.make_key("hits:a")) <= 30
    assert 30 < client.ttl(cache.make_key("hits:b")) <= 60


@on_redis
def test_the_rate_limit_still_counts_after_redis_forgot_its_scripts():
    """A restarted Redis has no scripts: the counter loads its own again."""
    from django.core.cache import cache

    assert not over_limit(("test", "flush", "2/m"))
    cache._cache.get_client(write=True).script_flush()
    assert not over_limit(("test", "flush", "2/m"))
    assert over_limit(("test", "flush", "2/m"))
    assert not cache.is_down()
