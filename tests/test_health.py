"""/healthz: 200 "ok" when every part the configuration needs answers, 200 "degraded" when
Redis (cache, broker) is down but the node still serves, or when the background work falls
behind (no worker heartbeat, a vote waiting to be sealed, mail waiting to be sent), 503 when
the database is down."""

import secrets
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from ozgeris.celery import app as celery_app

DEAD_REDIS = "redis://127.0.0.1:1/0"
DEAD_CACHE = {
    "default": {
        "BACKEND": "ozgeris.cache.FailOpenRedisCache",
        "LOCATION": DEAD_REDIS,
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    },
    # The sign-in limits' own cache is in the database (it outlives Redis).
    "auth": settings.CACHES["auth"],
}


@pytest.fixture
def dead_broker():
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = DEAD_REDIS
    yield
    celery_app.conf.broker_url = previous


@pytest.mark.django_db
def test_health_is_ok_on_the_embedded_default(client, settings):
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "database": "ok", "cache": "local", "broker": "inline",
        # No worker: the tasks run inline, and nothing here degrades the node.
        "worker": "inline",
        "ledger": "inline", "oldest_unsealed_vote_age": None,
        "exports": "inline", "oldest_queued_export_age": None,
        "outbox": "inline", "oldest_unsent_message_age": None,
    }


@pytest.mark.django_db
def test_health_is_degraded_not_down_when_the_configured_cache_is_down(client, settings,
                                                                        dead_broker):
    settings.REDIS_URL = DEAD_REDIS
    with override_settings(CACHES=DEAD_CACHE):
        response = client.get("/healthz")

    body = response.json()
    assert response.status_code == 200  # a load balancer keeps the node: it still serves
    assert body["status"] == "degraded"
    assert body["cache"] == "down"
    assert body["database"] == "ok"


@pytest.mark.django_db
def test_health_is_degraded_when_the_broker_is_down(client, settings, dead_broker):
    settings.REDIS_URL = DEAD_REDIS

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["broker"] == "down"


@pytest.mark.django_db
def test_health_is_503_when_the_database_is_down(client, monkeypatch):
    from ozgeris import health

    def down():
        raise ConnectionError("no database")

    monkeypatch.setattr(health, "check_database", down)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


@pytest.mark.django_db
def test_pages_still_render_when_the_cache_is_down(client, demo_programme):
    with override_settings(CACHES=DEAD_CACHE):
        response = client.get("/")

    assert response.status_code == 200


@pytest.mark.django_db
def test_rate_limited_login_still_works_when_the_cache_is_down(client, make_user):
    make_user(email="voter@example.kz", password="Correct-horse-7")
    with override_settings(CACHES=DEAD_CACHE):
        response = client.post(
            "/accounts/login/", {"login": "voter@example.kz", "password": "Correct-horse-7"}
        )

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


# The background work (issue 14) -------------------------------------------------------------

@pytest.fixture
def redis_stack(settings, monkeypatch):
    """The real stack's configuration (a worker on a Redis broker), its cache and broker
    answering: what /healthz says then is about the background work alone."""
    from ozgeris import health

    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    settings.HEALTH_WORKER_HEARTBEAT_MAX_AGE = 120
    settings.HEALTH_UNSEALED_MAX_AGE = 120
    settings.HEALTH_OUTBOX_MAX_AGE = 300
    monkeypatch.setattr(health, "check_cache", lambda: None)
    monkeypatch.setattr(health, "check_broker", lambda: None)


@pytest.fixture
def beating(redis_stack):
    from ozgeris import health

    health.record_heartbeat(worker="celery@worker1")


def _vote(programme, finalist):
    """A vote as the portal stores it, not sealed yet (dated by the database's clock)."""
    from voting.models import Vote

    vote = Vote.objects.create(programme=programme, finalist=finalist,
                               receipt_hash=secrets.token_hex(32), secret=secrets.token_hex(32))
    vote.refresh_from_db()
    return vote


def _message(available_at, **fields):
    from ozgeris.models import OutboxMessage

    return OutboxMessage.objects.create(to=["someone@example.kz"], subject="Receipt", body="…",
                                        available_at=available_at, **fields)


@pytest.mark.django_db
def test_health_is_ok_when_the_worker_beats_and_nothing_waits(client, beating):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "database": "ok", "cache": "ok", "broker": "ok",
        "worker": "ok", "worker_heartbeat_age": 0,
        "ledger": "ok", "oldest_unsealed_vote_age": None,
        "exports": "ok", "oldest_queued_export_age": None,
        "outbox": "ok", "oldest_unsent_message_age": None,
    }


@pytest.mark.django_db
def test_health_is_degraded_when_no_worker_has_ever_beaten(client, redis_stack):
    body = client.get("/healthz").json()

    assert body["status"] == "degraded"
    assert (body["worker"], body["worker_heartbeat_age"]) == ("missing", None)


@pytest.mark.django_db
def test_health_is_degraded_once_the_worker_heartbeat_is_older_than_its_threshold(
        client, redis_stack, time_machine):
    from ozgeris import health

    beat = timezone.now()
    time_machine.move_to(beat, tick=False)
    health.record_heartbeat(worker="celery@worker1")

    time_machine.move_to(beat + timedelta(seconds=120), tick=False)
    at_limit = client.get("/healthz")
    time_machine.move_to(beat + timedelta(seconds=121), tick=False)
    past_limit = client.get("/healthz")

    assert at_limit.json()["status"] == "ok"
    assert past_limit.status_code == 200  # degraded, still served
    assert past_limit.json()["status"] == "degraded"
    assert (past_limit.json()["worker"], past_limit.json()["worker_heartbeat_age"]) == (
        "late", 121)


@pytest.mark.django_db
def test_the_heartbeat_task_updates_the_one_heartbeat_row(beating):
    from ozgeris.models import WorkerHeartbeat
    from ozgeris.tasks import heartbeat

    heartbeat.apply()
    heartbeat.apply()

    row = WorkerHeartbeat.objects.get()  # one row, updated
    assert row.worker != "celery@worker1"  # the fixture's: the task's own worker took over
    assert row.seen_at >= timezone.now() - timedelta(seconds=5)


@pytest.mark.django_db
def test_health_is_degraded_once_a_vote_waits_unsealed_past_its_threshold(
        client, beating, finalists, vote_programme, time_machine):
    from ozgeris import health
    from voting import ledger

    def health_at(moment):
        time_machine.move_to(moment, tick=False)
        health.record_heartbeat(worker="celery@worker1")  # the worker is there all along
        return client.get("/healthz").json()

    ledger.seal(vote_programme.pk)
    vote = _vote(vote_programme, finalists[0])
    _vote(vote_programme, finalists[1])  # a later one: the age is the oldest's

    at_limit = health_at(vote.cast_at + timedelta(seconds=120))
    past_limit = health_at(vote.cast_at + timedelta(seconds=121))
    ledger.seal(vote_programme.pk)
    sealed = health_at(vote.cast_at + timedelta(seconds=122))

    assert (at_limit["status"], at_limit["ledger"], at_limit["oldest_unsealed_vote_age"]) == (
        "ok", "ok", 120)
    assert (past_limit["status"], past_limit["ledger"],
            past_limit["oldest_unsealed_vote_age"]) == ("degraded", "late", 121)
    assert (sealed["status"], sealed["ledger"], sealed["oldest_unsealed_vote_age"]) == (
        "ok", "ok", None)


@pytest.mark.django_db
def test_health_is_degraded_once_a_message_waits_unsent_past_its_threshold(
        client, beating, time_machine):
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    _message(now - timedelta(seconds=300))
    _message(now - timedelta(seconds=10))
    _message(now - timedelta(hours=2), sent_at=now - timedelta(hours=2))  # sent
    _message(now + timedelta(minutes=30), attempts=2)  # backing off after a failed send
    # Given up two days ago: the staff's now (a day after it gave up, /healthz stops saying so).
    _message(now - timedelta(days=3), failed_at=now - timedelta(days=2), attempts=80)

    at_limit = client.get("/healthz").json()
    time_machine.move_to(now + timedelta(seconds=1), tick=False)
    past_limit = client.get("/healthz").json()

    assert (at_limit["status"], at_limit["outbox"], at_limit["oldest_unsent_message_age"]) == (
        "ok", "ok", 300)
    assert (past_limit["status"], past_limit["outbox"],
            past_limit["oldest_unsent_message_age"]) == ("degraded", "late", 301)


@pytest.mark.django_db
def test_nothing_waiting_too_long_degrades_the_embedded_default(client, settings, finalists,
                                                                vote_programme, time_machine):
    settings.REDIS_URL = ""
    vote = _vote(vote_programme, finalists[0])
    _message(vote.cast_at)
    time_machine.move_to(vote.cast_at + timedelta(hours=1), tick=False)

    body = client.get("/healthz").json()

    assert body["status"] == "ok"
    assert (body["worker"], body["ledger"], body["outbox"]) == ("inline", "inline", "inline")
    assert body["oldest_unsealed_vote_age"] == body["oldest_unsent_message_age"] == 3600


@pytest.mark.django_db
@pytest.mark.parametrize("waiting", [1, 3])
def test_health_asks_the_database_five_short_questions_however_much_waits(
        waiting, beating, finalists, vote_programme, django_assert_num_queries):
    """SELECT 1, the heartbeat, the oldest unsealed vote, the oldest queued export, the oldest
    due message."""
    from ozgeris import health

    for index in range(waiting):
        _vote(vote_programme, finalists[index % 3])
        _message(timezone.now())

    with django_assert_num_queries(5):
        status, states = health.report()

    assert status == "ok"
    assert states["oldest_unsealed_vote_age"] is not None
    assert states["oldest_unsent_message_age"] is not None


@pytest.mark.django_db
def test_health_asks_four_on_the_embedded_default(settings, django_assert_num_queries):
    from ozgeris import health

    settings.REDIS_URL = ""
    with django_assert_num_queries(4):
        health.report()


@pytest.mark.postgres
@pytest.mark.django_db
def test_finding_the_oldest_unsealed_vote_scans_no_votes(finalists, vote_programme):
    """The vote table has few indexes on purpose: the health check reaches the first unsealed
    vote through the ledger's index on its vote and the votes' primary key, never a scan."""
    from voting import ledger

    for finalist in finalists:
        _vote(vote_programme, finalist)
    ledger.seal(vote_programme.pk)
    _vote(vote_programme, finalists[0])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE voting_vote")
        cursor.execute("ANALYZE voting_ledgerentry")

    plan = ledger.unsealed_votes().values_list("cast_at", flat=True)[:1].explain()

    assert "Seq Scan" not in plan, plan
    assert "voting_vote_pkey" in plan and "voting_ledgerentry_vote_id_key" in plan, plan
