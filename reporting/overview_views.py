"""The applications of an edition for the read-only seats and staff (issue 18): each one's
organisation, nomination and status, and once the jury's results are applied its rank and
total. Read only (GET). ``reporting`` imports no app: the rows come from the application
overview an app registered (``jury.applications``, ``jury/reader_overview.py``), which carries
no person, no document and no juror."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from ozgeris.models import Programme
from ozgeris.permissions import is_programme_staff, may_read_reports, role_required
from ozgeris.registries import ApplicationOverview, application_overviews

OVERVIEW_SOURCE = "jury.applications"
APPLICATIONS_PER_PAGE = 50


@role_required(may_read_reports)
@require_GET
def applications_overview(request, year):
    programme = get_object_or_404(Programme, year=year)
    source = application_overviews.get(OVERVIEW_SOURCE)
    overview = source(programme) if source else ApplicationOverview(False, [])
    page = Paginator(overview.rows, APPLICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "reporting/applications_overview.html", {
        "programme": programme, "page": page, "results_applied": overview.results_applied,
        "count": len(overview.rows), "read_only": not is_programme_staff(request.user),
        "programmes": Programme.objects.order_by("-year")})
