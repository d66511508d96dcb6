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


@shared_task(name="ozgeris.tasks.forget_sent_mail", ignore_result=True)
def forget_sent_mail():
    """Clear the text of the mail sent or given up over OUTBOX_KEEP_SENT_DAYS ago (beat runs
    it hourly)."""
    return outbox.forget_old_messages()
