"""The applications' figures on the staff dashboard (ozgeris.dashboard): how many of the
programme's applications are in each status, and those waiting for staff to check their
documents (submitted, not yet screened). One query, whatever the number of applications."""

from django.db.models import Count
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ozgeris import registries

from .models import Application, Status


def _changelist(programme, status):
    query = urlencode({"programme__id__exact": programme.pk, "status__exact": status})
    return f"{reverse('admin:applications_application_changelist')}?{query}"


def figures(programme):
    counts = dict(Application.objects.filter(programme=programme).order_by()
                  .values_list("status").annotate(Count("pk")))
    waiting = [registries.DashboardFigure(
        _("Applications whose documents wait to be checked"), counts.get(Status.SUBMITTED, 0),
        _changelist(programme, Status.SUBMITTED), waiting=True)]
    return waiting + [registries.DashboardFigure(label, counts.get(value, 0),
                                               _changelist(programme, value))
                      for value, label in Status.choices]


def register():
    registries.register_dashboard_source(
        "applications", title=gettext_lazy("Applications by status"), order=10,
        figures=figures)
