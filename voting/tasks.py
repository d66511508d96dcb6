"""Thin Celery tasks of the vote."""

from celery import shared_task

from ozgeris.models import Programme

from . import ledger


@shared_task(name="voting.tasks.seal_ledger", ignore_result=True)
def seal_ledger(programme_id=None):
    """Seal newly committed votes (after each vote, and every few seconds by beat)."""
    ids = [programme_id] if programme_id else list(
        Programme.objects.values_list("pk", flat=True))
    return sum(ledger.seal(pk) for pk in ids)
