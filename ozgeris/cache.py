"""A Redis cache that fails open.

The cache is an optimisation: when Redis is down a read is a miss, a write is
dropped and a counter answers as if it started afresh, so pages and rate
limits degrade instead of raising. Each failure is logged once a minute.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class FailOpenRedisCache(RedisCache):
    _last_warning = 0.0

    def _warn(self, operation, exc):
        now = time.monotonic()
        if now - FailOpenRedisCache._last_warning > 60:
            FailOpenRedisCache._last_warning = now
            logger.warning("Cache unavailable during %s, failing open: %s", operation, exc)

    def _guard(self, operation, fallback, call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except (RedisError, OSError) as exc:
            self._warn(operation, exc)
            return fallback

    def count_hits(self, buckets):
        """Add one to each ``(key, timeout)`` counter in a single pipeline; their new values.
        When Redis is down every counter answers 0, so rate limits let requests through."""
        def run():
            keys = [self.make_and_validate_key(key) for key, _timeout in buckets]
            pipeline = self._cache.get_client(keys[0], write=True).pipeline(transaction=False)
            for key, (_name, timeout) in zip(keys, buckets, strict=True):
                pipeline.incr(key)
                pipeline.expire(key, timeout)
            return pipeline.execute()[0::2]

        return self._guard("count_hits", [0] * len(buckets), run)

    def get(self, key, default=None, version=None):
        return self._guard("get", default, super().get, key, default, version)

    def set(self, key, value, timeout=None, version=None):
        return self._guard("set", None, super().set, key, value, timeout, version)

    def add(self, key, value, timeout=None, version=None):
        # Answer "added" so callers that count (rate limits) let the request through.
        return self._guard("add", True, super().add, key, value, timeout, version)

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
