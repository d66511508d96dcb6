"""/healthz and the exports: an export still queued after ``EXPORT_STALLED_MINUTES`` (its
task never came, and beat's clean-up has not failed it either) makes the node "degraded",
with the age of the oldest one; a running, finished or failed export does not count."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ozgeris import health
from reporting import jobs
from reporting.models import ExportJob


@pytest.fixture
def beating(settings, monkeypatch):
    """The real stack (a worker on Redis), its cache, broker and worker answering."""
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    settings.EXPORT_STALLED_MINUTES = 15
    monkeypatch.setattr(health, "check_cache", lambda: None)
    monkeypatch.setattr(health, "check_broker", lambda: None)


def _job(programme, user, state, created_at):
    job = ExportJob.objects.create(programme=programme, exporter="finalists", language="ru",
                                   created_by=user, state=state)
    ExportJob.objects.filter(pk=job.pk).update(created_at=created_at)
    return job


@pytest.mark.django_db
def test_an_export_queued_past_the_stalled_limit_degrades_health(
        client, beating, staff, open_programme, time_machine):
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    health.record_heartbeat(worker="celery@worker1")
    _job(open_programme, staff, ExportJob.State.QUEUED, now - timedelta(minutes=15))
    _job(open_programme, staff, ExportJob.State.QUEUED, now - timedelta(minutes=1))
    for state in (ExportJob.State.RUNNING, ExportJob.State.FAILED, ExportJob.State.DONE):
        _job(open_programme, staff, state, now - timedelta(hours=2))  # not waiting in a queue

    at_limit = client.get("/healthz")
    time_machine.move_to(now + timedelta(seconds=1), tick=False)
    health.record_heartbeat(worker="celery@worker1")
    past_limit = client.get("/healthz")

    assert (at_limit.status_code, at_limit.json()["status"], at_limit.json()["exports"],
            at_limit.json()["oldest_queued_export_age"]) == (200, "ok", "ok", 900)
    assert (past_limit.status_code, past_limit.json()["status"], past_limit.json()["exports"],
            past_limit.json()["oldest_queued_export_age"]) == (200, "degraded", "late", 901)


@pytest.mark.django_db
def test_a_lost_export_failed_by_the_clean_up_no_longer_degrades_health(
        client, beating, staff, open_programme):
    health.record_heartbeat(worker="celery@worker1")
    _job(open_programme, staff, ExportJob.State.QUEUED, timezone.now() - timedelta(minutes=20))
    assert client.get("/healthz").json()["exports"] == "late"

    assert jobs.fail_stalled() == 1

    body = client.get("/healthz").json()
    assert (body["status"], body["exports"], body["oldest_queued_export_age"]) == (
        "ok", "ok", None)


@pytest.mark.django_db
def test_a_queued_export_does_not_degrade_the_embedded_default(
        client, settings, staff, open_programme):
    settings.REDIS_URL = ""
    _job(open_programme, staff, ExportJob.State.QUEUED, timezone.now() - timedelta(hours=1))

    body = client.get("/healthz").json()

    assert (body["status"], body["exports"]) == ("ok", "inline")
    assert body["oldest_queued_export_age"] >= 3600
