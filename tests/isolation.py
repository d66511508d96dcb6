"""What keeps parallel test processes apart (``make test`` runs pytest-xdist workers).

Each worker has its own test database (pytest-django names it ``test_<name>_gw0``...) and its
own media folder (a session temporary folder). The Redis cache is the one thing they would
share: Django's ``cache.clear()`` empties the whole Redis database, the other worker's rate
limits and kept pages with it. So each worker writes under a key prefix of its own and a test
empties only that prefix.
"""

import os

from redis.exceptions import RedisError


def separate_the_workers_caches(settings):
    """Give the default cache a key prefix per xdist worker (before the cache is first used)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    default = settings.CACHES["default"]
    if worker and "KEY_PREFIX" in default:
        default["KEY_PREFIX"] = f"{default['KEY_PREFIX']}-{worker}"


def empty_the_cache():
    """Empty this process's part of the default cache: on Redis only the keys under its own
    prefix, elsewhere (local memory) everything."""
    from django.core.cache import cache

    client = getattr(cache, "_cache", None)
    if client is None or not hasattr(client, "get_client"):
        cache.clear()
        return
    try:
        redis = client.get_client(write=True)
        keys = list(redis.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
        if keys:
            redis.delete(*keys)
    except RedisError:
        pass  # a Redis that is down holds nothing to empty (the cache fails open)
