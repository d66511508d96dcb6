"""An edition's applications as the read-only seats read them (issue 18; registered as the
``jury.applications`` application overview, shown by ``reporting``'s applications page).

The jury's part is its results once they are applied: the finalist decisions are made when any
application of the edition is a finalist, not selected or a winner (``jury.services.apply_cut``
sets them). Before that no rank or total leaves the jury. Ranks and totals come from
``jury.results.results``, the one place they are computed; the total shown is the one the
programme ranks by (raw or normalised).
"""

from applications.models import Application
from ozgeris.models import localized
from ozgeris.registries import ApplicationOverview, ApplicationOverviewRow

from .models import JurySettings
from .results import CUT_STATUSES, results


def _ranks_normalised(programme):
    return (JurySettings.objects.filter(programme=programme).values_list("ranking", flat=True)
            .first() == JurySettings.Ranking.NORMALISED)


def application_overview(programme):
    """Every application that reached the jury's desk (not drafts, not withdrawn), in
    nomination and organisation order; a fixed number of queries whatever their number."""
    applications = list(
        Application.objects.filter(programme=programme).submitted()
        .select_related("organisation", "nomination")
        .order_by("nomination__order", "nomination__pk", "organisation__name", "pk"))
    applied = any(application.status in CUT_STATUSES for application in applications)
    ranked = {result.application.pk: result for result in results(programme)} if applied else {}
    normalised = applied and _ranks_normalised(programme)
    rows = []
    for application in applications:
        result = ranked.get(application.pk)
        rows.append(ApplicationOverviewRow(
            organisation=application.organisation.name,
            nomination=localized(application.nomination, "title"),
            status=application.status,
            status_label=application.get_status_display(),
            rank=result.rank if result else None,
            total=(result.normalised_total if normalised else result.total) if result else None))
    return ApplicationOverview(results_applied=applied, rows=rows)
