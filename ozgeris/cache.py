"""A Redis cache that fails open.

The cache is an optimisation: when Redis is down a read is a miss, a write is
dropped and a counter answers as if it started afresh, so pages and rate
limits degrade instead of raising. Each failure is logged once a minute.

After a failure the cache is left alone for ``CACHE_RETRY_SECONDS`` (a breaker, per
process): a Redis that hangs instead of refusing would otherwise cost every call its
socket timeout, and a vote makes several.
"""

import logging
import time

from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


# Each key counts one more hit; a new counter gets its timeout (ARGV, in the keys' order).
COUNT_HITS = """
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  if counts[i] == 1 then redis.call('EXPIRE', key, ARGV[i]) end
end
return counts
"""


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client builds a new ``redis.Redis`` object for every command
    (filling its table of response callbacks each time: about 0.15 ms, several times per
    vote). A client only wraps its thread-safe connection pool, so one per pool serves."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailOpenRedisCache(RedisCache):
    _last_warning = 0.0
    _down_until = 0.0  # per instance once set: each configured cache has its own breaker

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def _warn(self, operation, exc):
        now = time.monotonic()
        if now - FailOpenRedisCache._last_warning > 60:
            FailOpenRedisCache._last_warning = now
            logger.warning("Cache unavailable during %s, failing open: %s", operation, exc)

    def _guard(self, operation, fallback, call, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return call(*args, **kwargs)
        except (RedisError, OSError) as exc:
            self._down_until = time.monotonic() + settings.CACHE_RETRY_SECONDS
            self._warn(operation, exc)
            return fallback

    def count_hits(self, buckets):
        """Add one to each ``(key, timeout)`` counter in one command (COUNT_HITS); their new
        values. When Redis is down every counter answers 0, so rate limits let requests
        through."""
        def run():
            keys = [self.make_key(key) for key, _timeout in buckets]
            client = self._cache.get_client(keys[0], write=True)
            scripts = self.__dict__.setdefault("_count_hits_scripts", {})
            script = scripts.get(id(client))
            if script is None:  # redis-py's Script loads it again after a Redis restart
                script = scripts[id(client)] = client.register_script(COUNT_HITS)
            return script(keys=keys, args=[timeout for _key, timeout in buckets])

        return self._guard("count_hits", [0] * len(buckets), run)

    def get(self, key, default=None, version=None):
        return self._guard("get", default, super().get, key, default, version)

    def set(self, key, value, timeout=None, version=None):
        return self._guard("set", None, super().set, key, value, timeout, version)

    def add(self, key, value, timeout=None, version=None):
        # Answer "added" so callers that count (rate limits) let the request through.
        return self._guard("add", True, super().add, key, value, timeout, version)

    def is_down(self):
        """True while the breaker is open after a failure."""
        return time.monotonic() < self._down_until

    def touch(self, key, timeout=None, version=None):
        return self._guard("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard("delete", False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._guard("get_many", {}, super().get_many, keys, version)

    def set_many(self, data, timeout=None, version=None):
        return self._guard("set_many", [], super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._guard("delete_many", None, super().delete_many, keys, version)

    def has_key(self, key, version=None):
        return self._guard("has_key", False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        return self._guard("incr", delta, super().incr, key, delta, version)

    def clear(self):
        return self._guard("clear", False, super().clear)


def claim(key, seconds):
    """Claim ``key`` for ``seconds`` (True once per period): how a request asks for a task at
    most once a second. False while Redis is down, so the request does not wait on a broker
    that is the same Redis; the periodic task does the work instead."""
    from django.core.cache import cache

    if getattr(cache, "is_down", lambda: False)():
        return False
    return cache.add(key, 1, seconds) and not getattr(cache, "is_down", lambda: False)()



def claim_in_process(key, seconds):
    """Like ``claim``, but each process claims for itself, in its own memory (no round trip):
    True at most once per period per process, False while Redis is down."""
    from django.core.cache import cache

    from . import memo

    if getattr(cache, "is_down", lambda: False)():
        return False
    return memo.claim(key, seconds)
