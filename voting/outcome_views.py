"""Public pages after the vote: the ledger, the results (404 until staff release them) and the
laureates archive of a year, kept after the programme ends."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from applications.models import Application, Status
from ozgeris.charts import bar_chart
from ozgeris.models import Programme

from .models import LedgerEntry
from .results import results
from .services import settings_for

LEDGER_PAGE_SIZE = 100


def ledger(request, year):
    """Positions, leaves and the head digest — never the finalist of a vote."""
    programme = Programme.objects.published_or_404(year)
    entries = (LedgerEntry.objects.filter(programme=programme).order_by("sequence")
               .values("sequence", "leaf", "sealed_at"))
    page = Paginator(entries, LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "voting/ledger.html", {
        "title": _("Public ledger of the vote"), "programme": programme, "page": page,
        "vote_settings": settings_for(programme)})


def results_page(request, year):
    programme = Programme.objects.published_or_404(year)
    vote_settings = settings_for(programme)
    context = {"title": _("Results of the public vote"), "programme": programme,
               "vote_settings": vote_settings}
    if not vote_settings.results_released_at:
        if not vote_settings.release_withdrawn_at:
            raise Http404
        # Withdrawn: the page says so, with the reason, and shows no totals.
        return render(request, "voting/results.html", context)
    outcome = results(programme)
    chart = bar_chart([(row.application.organisation.name, row.votes) for row in outcome.rows],
                      title=_("Votes per finalist"), chart_id="votes-chart")
    return render(request, "voting/results.html",
                  {**context, "results": outcome, "chart": chart})


def laureates(request, year):
    """The winners and the finalists of a year with their texts and videos."""
    programme = Programme.objects.published_or_404(year)
    if not settings_for(programme).results_released_at:
        raise Http404
    finalists = Application.objects.finalists(programme).order_by("nomination__order",
                                                                  "organisation__name")
    return render(request, "voting/laureates.html", {
        "programme": programme,
        "winners": [a for a in finalists if a.status == Status.WINNER],
        "finalists": [a for a in finalists if a.status != Status.WINNER]})
