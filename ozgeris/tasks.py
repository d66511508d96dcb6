"""The spine's Celery tasks."""

from celery import shared_task

from . import outbox


@shared_task(name="ozgeris.tasks.drain_outbox", ignore_result=True)
def drain_outbox():
    """Send the outbox's due messages (also run every 30 s by beat)."""
    return outbox.drain()
