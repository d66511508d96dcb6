"""Turnout and visitor statistics of a programme's vote, computed in one place for the staff
dashboard, the ``voting-stats`` export and the grant report.

The period runs from the day the vote opens to ``statistics_until`` (2019 counted visitors up
to 17 November, two days after the ceremony), or to the day it closes. Days are Almaty days.
"""

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ozgeris.formats import duration
from ozgeris.models import Region

from .models import AgeBracket, TrafficSource, VisitDay, Vote, VoterLink, VotingSettings
from .services import settings_for

ALMATY = ZoneInfo("Asia/Almaty")


@dataclass
class Statistics:
    first_day: object
    last_day: object
    visitors: int
    voters: int
    votes: int
    visitors_who_voted: int
    average_seconds: int
    daily: list  # [(date, unique visitors, votes)]
    sources: list  # [(TrafficSource, visitors)]
    ages: list  # [(label, voters)], "not given" last
    regions: list  # [(label, voters)], "not given" last

    @property
    def conversion(self):
        """Share of the period's visitors who voted, in per cent."""
        return round(100 * self.visitors_who_voted / self.visitors, 1) if self.visitors else 0

    @property
    def average_time(self):
        return duration(self.average_seconds)


def period(programme):
    first = timezone.localtime(programme.voting_opens_at, ALMATY).date()
    last = (settings_for(programme).statistics_until
            or timezone.localtime(programme.voting_closes_at, ALMATY).date())
    return first, max(first, last)


def _shares(counts, choices, not_given):
    rows = [(label, counts.get(value, 0)) for value, label in choices]
    if counts.get("") or counts.get(None):
        rows.append((not_given, counts.get("", 0) + counts.get(None, 0)))
    return rows


def statistics(programme):
    """Everything the dashboard shows, in a fixed number of queries."""
    first, last = period(programme)
    days = VisitDay.objects.filter(day__gte=first, day__lte=last)
    visitors = days.values("visitor").distinct().count()
    durations = days.values_list("first_at", "last_at")
    total_seconds, visits = 0, 0
    for started, ended in durations.iterator(chunk_size=5000):
        total_seconds += (ended - started).total_seconds()
        visits += 1
    per_day = dict(days.values("day").annotate(n=Count("visitor", distinct=True))
                   .values_list("day", "n"))
    votes = Vote.objects.filter(programme=programme)
    votes_per_day = {}
    for cast_at in votes.values_list("cast_at", flat=True).iterator(chunk_size=5000):
        day = timezone.localtime(cast_at, ALMATY).date()
        votes_per_day[day] = votes_per_day.get(day, 0) + 1
    daily = []
    day = first
    while day <= last:
        daily.append((day, per_day.get(day, 0), votes_per_day.get(day, 0)))
        day += timedelta(days=1)
    period_visitors = days.values("visitor")
    sources = dict(VisitDay.objects.filter(day__gte=first, day__lte=last)
                   .values("visitor__source").annotate(n=Count("visitor", distinct=True))
                   .values_list("visitor__source", "n"))
    links = VoterLink.objects.filter(programme=programme)
    voters = links.aggregate(
        known=Count("voter", distinct=True), forgotten=Count("id", filter=Q(voter__isnull=True)))
    kept = VotingSettings.objects.filter(programme=programme, addresses_dropped_at__isnull=False
                                         ).values_list("visitors_who_voted", flat=True).first()
    if kept is not None:  # the visitor ids were dropped (voting/retention.py)
        visitors_who_voted = kept
    else:
        visitors_who_voted = (links.exclude(visitor_id="").filter(visitor_id__in=period_visitors)
                              .values("visitor_id").distinct().count())
    ages = dict(votes.values("age_bracket").annotate(n=Count("id"))
                .values_list("age_bracket", "n"))
    region_counts = dict(votes.values("region").annotate(n=Count("id"))
                         .values_list("region", "n"))
    regions = [(str(region), region_counts.get(region.pk, 0)) for region in Region.objects.all()
               if region_counts.get(region.pk)]
    if region_counts.get(None):
        regions.append((_("not given"), region_counts[None]))
    return Statistics(
        first_day=first, last_day=last, visitors=visitors,
        voters=voters["known"] + voters["forgotten"], votes=sum(votes_per_day.values()),
        visitors_who_voted=visitors_who_voted,
        average_seconds=round(total_seconds / visits) if visits else 0,
        daily=daily,
        sources=[(source, sources.get(source.value, 0)) for source in TrafficSource],
        ages=_shares(ages, AgeBracket.choices, _("not given")),
        regions=regions)
