"""What /healthz checks: the database, the cache and the broker, each with a short timeout.

Only the database decides whether this node can serve: the cache fails open and the outbox
and the periodic tasks catch up after a broker outage, so a Redis outage makes the node
"degraded" (still 200, so a load balancer keeps it) rather than unavailable."""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from .celery import app as celery_app


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache():
    """Write and read back a key. The fail-open cache swallows errors, so a lost write shows
    up as a value that does not come back."""
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", 10)
    if cache.get(key) != "ok":
        raise ConnectionError("the cache did not keep a value")
    cache.delete(key)


def check_broker():
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=1)


def components():
    """(name, needed, check): the cache and broker are needed only when Redis is configured."""
    uses_redis = bool(settings.REDIS_URL)
    return [
        ("database", True, check_database),
        ("cache", uses_redis, check_cache),
        ("broker", uses_redis, check_broker),
    ]


def report():
    """Return (status, {name: state}): status "ok", "degraded" (Redis down, the node still
    serves) or "unavailable" (the database is down); a state is "ok", "down", or
    "local"/"inline" when the embedded default does without Redis."""
    states = {}
    status = "ok"
    for name, needed, check in components():
        if not needed:
            states[name] = {"cache": "local", "broker": "inline"}.get(name, "ok")
            continue
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means the part is down
            states[name] = "down"
            states[f"{name}_error"] = type(exc).__name__
            status = "unavailable" if name == "database" else (
                "degraded" if status == "ok" else status)
        else:
            states[name] = "ok"
    return status, states
