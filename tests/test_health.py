"""/healthz: 200 "ok" when every part the configuration needs answers, 200 "degraded" when
Redis (cache, broker) is down but the node still serves, 503 when the database is down."""

import pytest
from django.test import override_settings

from ozgeris.celery import app as celery_app

DEAD_REDIS = "redis://127.0.0.1:1/0"
DEAD_CACHE = {
    "default": {
        "BACKEND": "ozgeris.cache.FailOpenRedisCache",
        "LOCATION": DEAD_REDIS,
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
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
        "status": "ok", "database": "ok", "cache": "local", "broker": "inline"
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
