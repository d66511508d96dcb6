"""How long the vote keeps what could tie a vote to a person's connection.

A voter's client address and visitor id serve the fraud review (many votes from one address,
the visitors-to-voters conversion). The review closes when the results are released (the
periodic flagging stops then); VOTE_ADDRESS_RETENTION_DAYS later both are dropped from every
link of the programme. The one published figure that read them, the number of visitors who
voted, is kept as a number first, so the statistics and the report do not change.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ozgeris import audit

from .models import VoterLink, VotingSettings


def drop_addresses(programme, *, now=None):
    """Freeze the visitors-who-voted figure, then forget every link's address and visitor
    id. Returns how many links held one. Side effects: the links, the settings, an audit
    entry ``vote.addresses_dropped``."""
    from .statistics import statistics

    now = now or timezone.now()
    with transaction.atomic():
        current = VotingSettings.objects.select_for_update().get(programme=programme)
        if current.addresses_dropped_at:
            return 0
        current.visitors_who_voted = statistics(programme).visitors_who_voted
        dropped = (VoterLink.objects.filter(programme=programme)
                   .exclude(client_ip__isnull=True, visitor_id="")
                   .update(client_ip=None, visitor_id=""))
        current.addresses_dropped_at = now
        current.save(update_fields=["visitors_who_voted", "addresses_dropped_at"])
        audit.record(None, "vote.addresses_dropped", programme, links=dropped)
    programme._voting_settings = current
    return dropped


def drop_expired_addresses(*, now=None):
    """Every programme whose results were released more than the retention period ago."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.VOTE_ADDRESS_RETENTION_DAYS)
    due = VotingSettings.objects.filter(results_released_at__lte=cutoff,
                                        addresses_dropped_at__isnull=True)
    return sum(drop_addresses(current.programme, now=now)
               for current in due.select_related("programme"))
