"""Thin Celery tasks of the vote."""

from datetime import timedelta

from celery import shared_task
from django.db.models.functions import Now

from ozgeris.models import Programme

from . import checkpoints, results, retention, review, services

# The fraud checks keep running for a while after the close: late flags still matter until
# the results are released.
FLAGGING_AFTER_CLOSE = timedelta(days=7)


@shared_task(name="voting.tasks.seal_ledger", ignore_result=True)
def seal_ledger(programme_id=None):
    """Seal newly committed votes and queue their receipt emails (after each vote, and every
    few seconds by beat)."""
    ids = [programme_id] if programme_id else list(
        Programme.objects.values_list("pk", flat=True))
    return sum(services.seal_and_email_receipts(pk) for pk in ids)


@shared_task(name="voting.tasks.flag_suspicious_votes", ignore_result=True)
def flag_suspicious_votes():
    """Run the fraud checks over every vote in progress or recently closed."""
    programmes = Programme.objects.filter(
        voting_opens_at__lte=Now(), voting_closes_at__gt=Now() - FLAGGING_AFTER_CLOSE,
        voting_settings__results_released_at__isnull=True)
    return sum(review.flag_suspicious(programme) for programme in programmes)


@shared_task(name="voting.tasks.publish_closed_heads", ignore_result=True)
def publish_closed_heads():
    """Publish the head digest of every vote that has closed and has none yet."""
    programmes = Programme.objects.filter(voting_closes_at__lte=Now()).exclude(
        voting_settings__head_published_at__isnull=False)
    for programme in programmes:
        results.publish_head(programme)


@shared_task(name="voting.tasks.drop_expired_addresses", ignore_result=True)
def drop_expired_addresses():
    """Forget voters' addresses and visitor ids once the fraud review is long closed."""
    return retention.drop_expired_addresses()


@shared_task(name="voting.tasks.make_checkpoints", ignore_result=True)
def make_checkpoints():
    """Sign and mail a checkpoint of every vote whose ledger head moved since the last one
    (every VOTE_CHECKPOINT_MINUTES by beat; the close makes the final one)."""
    return checkpoints.make_due()
