"""What the grant report can count and show about the public vote."""

from django.utils.translation import gettext as _

from ozgeris.registries import register_indicator, register_table

from .models import LedgerEntry
from .results import results, results_released
from .statistics import statistics


def voters(programme):
    return statistics(programme).voters


def visitors(programme):
    return statistics(programme).visitors


def votes_counted(programme):
    return results(programme, fresh=True).counted


def votes_invalidated(programme):
    return results(programme, fresh=True).invalidated


def winners(programme):
    return len(results(programme, fresh=True).winners)


def average_seconds_on_site(programme):
    return statistics(programme).average_seconds


average_seconds_on_site.unit = "seconds"  # the report prints it as m:ss (ozgeris.formats)


def platform(programme):
    """The online voting platform existed: votes were sealed in its ledger."""
    return LedgerEntry.objects.filter(programme=programme).exists()


def _released_results(programme):
    """The per-finalist results a report may show: none until they are released. Before that
    (and after a release is withdrawn for a review) a draft report, exported by staff or read
    by an observer, would show the running totals that the staff's own chart only moves in
    steps (docs/voting-trust.md)."""
    return results(programme, fresh=True) if results_released(programme) else None


def votes_per_finalist_table(programme):
    released = _released_results(programme)
    rows = [(row.application.nomination.title, row.application.organisation.name, row.votes,
             row.share) for row in released.rows] if released else []
    return [_("Nomination"), _("Finalist"), _("Votes"), _("Share, %")], rows


def winners_table(programme):
    released = _released_results(programme)
    rows = [(row.application.nomination.title, row.application.organisation.name, row.votes)
            for row in released.winners] if released else []
    return [_("Nomination"), _("Winner"), _("Votes")], rows


def _shares(pairs):
    total = sum(count for _label, count in pairs)
    return [(str(label), count, round(100 * count / total, 1) if total else 0)
            for label, count in pairs]


def voters_by_age_table(programme):
    return [_("Age bracket"), _("Voters"), _("Share, %")], _shares(statistics(programme).ages)


def traffic_sources_table(programme):
    pairs = [(source.label, count) for source, count in statistics(programme).sources]
    return [_("Source"), _("Visitors"), _("Share, %")], _shares(pairs)


def daily_visitors_table(programme):
    return [_("Day"), _("Unique visitors"), _("Votes")], statistics(programme).daily


def register():
    register_indicator("voting.platform", platform)
    register_indicator("voting.voters", voters)
    register_indicator("voting.visitors", visitors)
    register_indicator("voting.votes_counted", votes_counted)
    register_indicator("voting.votes_invalidated", votes_invalidated)
    register_indicator("voting.winners", winners)
    register_indicator("voting.average_seconds_on_site", average_seconds_on_site)
    register_table("voting.votes_per_finalist", votes_per_finalist_table)
    register_table("voting.winners_by_nomination", winners_table)
    register_table("voting.voters_by_age", voters_by_age_table)
    register_table("voting.traffic_sources", traffic_sources_table)
    register_table("voting.daily_visitors", daily_visitors_table)
