"""The spine's Celery tasks."""

from celery import shared_task

from . import health, outbox


@shared_task(name="ozgeris.tasks.drain_outbox", ignore_result=True)
def drain_outbox():
    """Send the outbox's due messages (also run every 30 s by beat)."""
    return outbox.drain()


@shared_task(name="ozgeris.tasks.heartbeat", bind=True, ignore_result=True)
def heartbeat(self):
    """Note that a worker runs what beat sends (every HEALTH_HEARTBEAT_SECONDS); /healthz
    reports how long ago that was."""
    health.record_heartbeat(worker=self.request.hostname or "")
