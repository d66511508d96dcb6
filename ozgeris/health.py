"""What /healthz checks: the database, the cache and the broker, each with a short timeout, and
whether the work in the background gets done.

Only the database decides whether this node can serve: the cache fails open and the outbox
and the periodic tasks catch up after a broker outage, so a Redis outage makes the node
"degraded" (still 200, so a load balancer keeps it) rather than unavailable.

The background work is watched by four ages, each "degraded" past its threshold in settings:

* ``worker_heartbeat_age``: since a worker last ran the heartbeat task beat sends every
  ``HEALTH_HEARTBEAT_SECONDS``. It grows when the worker, beat or the broker stops (a worker
  that died leaves nothing else behind: issue 14). "missing" before the first one.
* ``oldest_unsealed_vote_age``: since the oldest vote not yet sealed into the ledger was cast
  (registered by the vote as a background wait, ozgeris.registries).
* ``oldest_unsent_message_age``: since the oldest outbox message due was due, or since a
  message that failed to go was queued, if earlier: every failed attempt puts the next one
  off, so a mail server that is down shows here as messages failing for longer and longer.
  A message given up on counts for ``GIVEN_UP_RECENTLY`` after, unless the staff queue it
  again (``manage.py outbox_retry``).
* ``oldest_queued_export_age``: since the export queued longest was queued (registered by
  the reports, reporting.jobs.oldest_queued_export): past ``EXPORT_STALLED_MINUTES`` its
  task never came and beat's clean-up, which fails such an export, does not run either.

On the embedded default (no Redis) the tasks run inline in the request: there is no worker to
watch, so the worker is "inline" and the ages are reported without degrading anything."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, F, Min, Q, When
from django.utils import timezone

from . import outbox, registries
from .celery import app as celery_app
from .models import OutboxMessage, WorkerHeartbeat

HEARTBEAT_ROW = 1


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


# The background work ------------------------------------------------------------------------

def record_heartbeat(worker=""):
    """Note that ``worker`` runs what beat sends (the heartbeat task): one row, updated."""
    now = timezone.now()
    if not WorkerHeartbeat.objects.filter(pk=HEARTBEAT_ROW).update(worker=worker, seen_at=now):
        WorkerHeartbeat.objects.update_or_create(pk=HEARTBEAT_ROW,
                                                 defaults={"worker": worker, "seen_at": now})


def last_heartbeat():
    """When a worker last ran the heartbeat task, or None (a primary-key look-up)."""
    return (WorkerHeartbeat.objects.filter(pk=HEARTBEAT_ROW)
            .values_list("seen_at", flat=True).first())


def oldest_unsent_message(now=None):
    """Since when the oldest unsent outbox message has waited, or None (one query). A message
    due counts from when it became due; one that failed to go counts from when it was queued
    (every failed attempt puts the next one off, so a mail server that is down shows as
    messages failing for longer and longer), and so does one given up on within
    ``GIVEN_UP_RECENTLY``."""
    now = now or timezone.now()
    waiting = Q(sent_at__isnull=True) & (
        Q(failed_at__isnull=True) & (Q(available_at__lte=now) | Q(attempts__gt=0))
        | Q(failed_at__gte=now - GIVEN_UP_RECENTLY) & outbox.given_up_condition())
    since = Case(When(attempts__gt=0, then=F("created_at")), default=F("available_at"))
    return OutboxMessage.objects.filter(waiting).aggregate(since=Min(since))["since"]


# How long a message the outbox gave up on keeps /healthz "degraded" ("late").
GIVEN_UP_RECENTLY = timedelta(hours=24)


def background():
    """[(state name, age name, since, threshold in seconds)], ``since`` returning the moment
    the age counts from, or None when nothing waits. No worker on the embedded default."""
    checks = [(wait.name, wait.age_name, wait.since, wait.max_age())
              for wait in registries.background_waits]  # the apps' own (the vote's seal)
    checks.append(("outbox", "oldest_unsent_message_age", oldest_unsent_message,
                   settings.HEALTH_OUTBOX_MAX_AGE))
    if settings.REDIS_URL:
        checks.insert(0, ("worker", "worker_heartbeat_age", last_heartbeat,
                          settings.HEALTH_WORKER_HEARTBEAT_MAX_AGE))
    return checks


# States that make the node "degraded".
LATE = {"late", "missing", "unknown"}


def _state(name, age, max_age, inline):
    if inline:
        return "inline"
    if age is None:  # nothing waiting is fine; a worker that never beat is not there
        return "missing" if name == "worker" else "ok"
    return "late" if age > max_age else "ok"


def watch_background(states):
    """Add the background work's states and ages to ``states``; True when one is late, missing
    or could not be read."""
    inline = not settings.REDIS_URL
    if inline:
        states["worker"] = "inline"
    now = timezone.now()
    checks = background()
    for name, age_name, since, max_age in checks:
        try:
            moment = since()
        except Exception as exc:  # noqa: BLE001 - unreadable counts as late, never as down
            states[name], states[age_name] = "unknown", None
            states[f"{name}_error"] = type(exc).__name__
            continue
        age = None if moment is None else max(0, int((now - moment).total_seconds()))
        states[name], states[age_name] = _state(name, age, max_age, inline), age
    return any(states[name] in LATE for name, *_rest in checks)


def report():
    """Return (status, {name: state}): status "ok", "degraded" (Redis down, or background work
    late; the node still serves) or "unavailable" (the database is down); a state is "ok",
    "down", "late", "missing", or "local"/"inline" when the embedded default does without
    Redis; the ages are whole seconds, null when nothing waits."""
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
    if status != "unavailable" and watch_background(states) and status == "ok":
        status = "degraded"
    return status, states
