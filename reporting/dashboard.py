"""The exports' figures on the staff dashboard (ozgeris.dashboard): exports of the programme
still running and those that failed (job rows are kept ``EXPORT_KEEP_HOURS``, so these are
recent). One query."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ozgeris import registries

from .models import ExportJob


def figures(programme):
    State = ExportJob.State
    counts = ExportJob.objects.filter(programme=programme).aggregate(
        running=Count("pk", filter=Q(state__in=[State.QUEUED, State.RUNNING])),
        failed=Count("pk", filter=Q(state=State.FAILED)))
    url = reverse("reporting:index")
    return [registries.DashboardFigure(_("Exports that failed"), counts["failed"], url,
                                     waiting=True),
            registries.DashboardFigure(_("Exports running"), counts["running"], url)]


def register():
    registries.register_dashboard_source("reporting", title=gettext_lazy("Exports"), order=50,
                                       figures=figures)
