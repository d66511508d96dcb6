"""The staff's landing page after sign-in (/staff/): the current programme's phase, what
waits for staff and the figures of each stage, gathered from the apps through the dashboard
sources they register (ozgeris.registries), so the spine imports no app.

Every source answers in a fixed number of queries; the page's query count does not grow
with the programme (tests/test_staff_dashboard.py compares two sizes)."""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import outbox
from .models import Programme
from .registries import DashboardFigure, dashboard_sources, ordered


@dataclass
class Section:
    title: str
    figures: list = field(default_factory=list)


@dataclass
class Dashboard:
    programme: Programme | None
    stage: str = ""
    stage_label: str = ""
    stages: list = field(default_factory=list)
    waiting: list = field(default_factory=list)
    sections: list = field(default_factory=list)

    @property
    def waiting_total(self):
        return sum(figure.value for figure in self.waiting)


# What the spine's own keys for the programme's phase read as (the stages' own labels come
# from Programme.stages()).
PHASES = {
    "announced": gettext_lazy("Announced: applications have not opened yet"),
    "between": gettext_lazy("Between stages"),
    "finished": gettext_lazy("Finished: the ceremony has taken place"),
}


def outbox_figure():
    """Mail the outbox gave up on (every retry failed): someone must look at the address or
    the mail server. One query."""
    query = urlencode({"failed_at__isnull": "False"})
    return DashboardFigure(
        _("Emails that could not be sent"),
        outbox.given_up().count(),
        f"{reverse('admin:ozgeris_outboxmessage_changelist')}?{query}", waiting=True)


def staff_dashboard(programme=None, now=None):
    """The dashboard of ``programme`` (the current one by default) at ``now``."""
    programme = programme or Programme.objects.current()
    board = Dashboard(programme=programme, waiting=[outbox_figure()])
    if programme is None:
        return board
    now = now or timezone.now()
    board.stage = programme.current_stage(now)
    board.stages = [{"key": key, "label": label, "starts": starts, "ends": ends,
                     "current": key == board.stage} for key, label, starts, ends
                    in programme.stages()]
    board.stage_label = next((stage["label"] for stage in board.stages if stage["current"]),
                             PHASES.get(board.stage, board.stage))
    for source in ordered(dashboard_sources):
        section = Section(title=str(source.title))
        for figure in source.figures(programme):
            (board.waiting if figure.waiting else section.figures).append(figure)
        if section.figures:
            board.sections.append(section)
    return board
