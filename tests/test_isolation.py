"""Parallel test processes keep their cache keys apart (tests/isolation.py)."""

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings

from .isolation import empty_the_cache, separate_the_workers_caches


def redis_settings(prefix="ozgeris"):
    return SimpleNamespace(CACHES={"default": {
        "BACKEND": "ozgeris.cache.FailOpenRedisCache", "LOCATION": "redis://127.0.0.1:6379/0",
        "KEY_PREFIX": prefix}})


def test_each_worker_writes_under_a_key_prefix_of_its_own(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw3")
    configured = redis_settings()

    separate_the_workers_caches(configured)

    assert configured.CACHES["default"]["KEY_PREFIX"] == "ozgeris-gw3"


def test_one_process_keeps_the_configured_prefix(monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    configured = redis_settings()

    separate_the_workers_caches(configured)

    assert configured.CACHES["default"]["KEY_PREFIX"] == "ozgeris"


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis: runs in the second CI pass")
def test_emptying_the_cache_leaves_the_other_workers_keys():
    other = {"BACKEND": "ozgeris.cache.FailOpenRedisCache", "LOCATION": settings.REDIS_URL,
             "KEY_PREFIX": "ozgeris-test-other-worker"}
    with override_settings(CACHES={**settings.CACHES, "other": other}):
        from django.core.cache import cache

        cache.set("mine", 1)
        caches["other"].set("theirs", 2)
        assert (cache.get("mine"), caches["other"].get("theirs")) == (1, 2)  # both stored

        empty_the_cache()

        assert (cache.get("mine"), caches["other"].get("theirs")) == (None, 2)
        caches["other"].delete("theirs")
