"""The jury's figures on the staff dashboard (ozgeris.dashboard): the programme's score sheets
submitted and still in draft, linked to the jurors' progress. One query."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ozgeris import registries

from .models import ScoreSheet


def figures(programme):
    State = ScoreSheet.State
    counts = ScoreSheet.objects.filter(juror__programme=programme).aggregate(
        submitted=Count("pk", filter=Q(state=State.SUBMITTED)),
        drafts=Count("pk", filter=Q(state=State.DRAFT)))
    url = reverse("jury_panel:progress")
    return [registries.DashboardFigure(_("Score sheets submitted"), counts["submitted"], url),
            registries.DashboardFigure(_("Score sheets in draft"), counts["drafts"], url)]


def register():
    registries.register_dashboard_source("jury", title=gettext_lazy("Jury"), order=20,
                                       figures=figures)
