"""The vote's exporters: ``votes`` (the auditor's file, XLSX), ``voting-stats`` (turnout and
visitors, XLSX) and ``winners-protocol`` (the internal protocol of the results, PDF).

``votes`` holds, per vote, everything needed to recompute the chain and the tally (position,
leaf, receipt hash, finalist, time, the per-vote secret, review status) and no personal data.
It is for staff and an independent auditor only: the secret is what keeps a public leaf from
proving a choice, so this file is never attached to anything public (the grant report uses
the totals per finalist).

A vote's finalist and its cast time to the microsecond would give staff and the auditor the
running tally, vote by vote, which the staff's chart only moves in steps: ``votes`` is
readable once the vote has closed (``readable_once``; being the audit file, it is held from
staff too: ``reader_seats.figures_held``, and the file itself lists no vote before the
close), and ``voting-stats`` and
``winners-protocol`` count the votes per finalist at the staff chart's moment while the vote
is open (``results.staff_chart_moment``).
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Application
from ozgeris.charts import bar_chart
from ozgeris.pdf import render_pdf
from ozgeris.registries import register_exporter
from ozgeris.uploads import CONTENT_TYPES, PDF, XLSX
from ozgeris.xlsx import workbook_bytes

from .models import LedgerEntry, ReviewStatus, Vote, VoteReview
from .results import results, results_released, staff_chart_moment
from .services import settings_for, voting_closed
from .statistics import statistics


def _vote_rows(programme, progress):
    names = dict(Application.objects.filter(programme=programme).values_list(
        "pk", "organisation__name"))
    statuses = dict(VoteReview.objects.filter(vote__programme=programme)
                    .values_list("vote_id", "status"))
    labels = dict(ReviewStatus.choices)
    total = Vote.objects.filter(programme=programme).count()
    votes = (Vote.objects.filter(programme=programme)
             .order_by("ledger_entry__sequence", "cast_at", "pk")
             .values_list("pk", "ledger_entry__sequence", "ledger_entry__leaf", "receipt_hash",
                          "finalist_id", "cast_at", "secret"))
    message = _("Votes")
    for number, (pk, sequence, leaf, receipt, finalist, cast_at, secret) in enumerate(
            votes.iterator(chunk_size=5000), start=1):
        status = statuses.get(pk, ReviewStatus.COUNTED)
        yield [sequence, leaf or "", receipt, finalist, names.get(finalist, ""),
               timezone.localtime(cast_at), cast_at.isoformat(), secret, labels[status]]
        if number % 1000 == 0 or number == total:
            progress(number, total, message)


def render_votes(programme, options, progress):
    header = [_("Position"), _("Leaf"), _("Receipt hash"), _("Finalist id"), _("Finalist"),
              _("Cast at (Almaty)"), _("Cast at (as hashed, UTC)"), _("Per-vote secret"),
              _("Status")]
    if voting_closed(programme):
        rows = _vote_rows(programme, progress)
    else:  # refused before the close (figures_held), by the page and `manage.py export`
        rows = [[_("The votes are listed once the public vote has closed.")]]
        progress(1, 1, _("Votes"))
    content = workbook_bytes([(_("Votes"), header, rows)])
    return f"votes-{programme.year}.xlsx", CONTENT_TYPES[XLSX], content


def render_statistics(programme, options, progress):
    progress(0, 2, _("Vote statistics"))
    stats = statistics(programme)
    outcome = results(programme, fresh=True, cast_before=staff_chart_moment(programme))
    summary = [
        (_("Period"), f"{stats.first_day:%d.%m.%Y} – {stats.last_day:%d.%m.%Y}"),
        (_("Unique visitors"), stats.visitors),
        (_("Voters"), stats.voters),
        (_("Visitors who voted, %"), stats.conversion),
        (_("Average time on the site (min:s)"), stats.average_time),
        (_("Votes counted"), outcome.counted),
        (_("Votes invalidated"), outcome.invalidated),
        (_("Votes under review"), outcome.under_review),
    ]
    sheets = [
        (_("Summary"), [_("Figure"), _("Value")], summary),
        (_("By day"), [_("Day"), _("Unique visitors"), _("Votes")], stats.daily),
        (_("Traffic sources"), [_("Source"), _("Visitors")],
         [(source.label, count) for source, count in stats.sources]),
        (_("Age"), [_("Age bracket"), _("Voters")], stats.ages),
        (_("Regions"), [_("Region"), _("Voters")], stats.regions),
        (_("Votes per finalist"), [_("Nomination"), _("Finalist"), _("Votes"), _("Share, %")],
         [(row.application.nomination.title, row.application.organisation.name, row.votes,
           row.share) for row in outcome.rows]),
    ]
    content = workbook_bytes(sheets)
    progress(2, 2, _("Vote statistics"))
    return f"voting-stats-{programme.year}.xlsx", CONTENT_TYPES[XLSX], content


def protocol_context(programme):
    outcome = results(programme, fresh=True, cast_before=staff_chart_moment(programme))
    vote_settings = settings_for(programme)
    head = LedgerEntry.objects.filter(programme=programme).order_by("-sequence").first()
    return {
        "programme": programme, "results": outcome, "vote_settings": vote_settings,
        "sealed": head.sequence if head else 0,
        "chart": bar_chart([(row.application.organisation.name, row.votes)
                            for row in outcome.rows],
                           title=_("Votes per finalist"), show_title=True, width=480,
                           font_size=9, bar_height=9),
        "generated_at": timezone.now(),
    }


def render_protocol(programme, options, progress):
    """The internal protocol of the results: totals, the invalidated count, the winners per
    nomination and the ledger's head digest."""
    progress(0, 1, _("Protocol of the public vote results"))
    content = render_pdf("voting/pdf/protocol.html", protocol_context(programme))
    progress(1, 1, _("Protocol of the public vote results"))
    return f"winners-protocol-{programme.year}.pdf", CONTENT_TYPES[PDF], content


register_exporter("votes", title=gettext_lazy("Votes (for the auditor)"), formats=["xlsx"],
                  render=render_votes, personal_data=False, audit_file=True,
                  readable_once=voting_closed)
register_exporter("voting-stats", title=gettext_lazy("Vote and visitor statistics"),
                  formats=["xlsx"], render=render_statistics, personal_data=False,
                  readable_once=results_released)
register_exporter("winners-protocol", title=gettext_lazy("Protocol of the public vote results"),
                  formats=["pdf"], render=render_protocol, personal_data=False,
                  readable_once=results_released)
