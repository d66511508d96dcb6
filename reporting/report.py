"""What the grant report shows, gathered once for the PDF and the XLSX: the grant, each task
and activity with its narrative and indicators, the programme's tables and charts (from the
registered table sources), the appendices, the original's contradictions with what the data
says, and the places where a typed figure disagrees with the data."""

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ozgeris.charts import bar_chart
from ozgeris.registry import no_progress, table_sources

from . import narrative
from .models import Appendix, Contradiction, Grant, ReportVersion, Task
from .services import evaluate, source_value

# The programme's tables, in the report's order: (table source, title).
TABLES = [
    ("events.participants_by_city", gettext_lazy("Information meetings by city")),
    ("applications.by_nomination", gettext_lazy("Applications by nomination")),
    ("applications.by_region", gettext_lazy("Applications by region")),
    ("jury.results", gettext_lazy("Results of the expert commission")),
    ("voting.votes_per_finalist", gettext_lazy("Results of the public vote")),
    ("events.publications_by_platform", gettext_lazy("Publications and reach")),
    ("events.letters", gettext_lazy("Letters and answers")),
    ("voting.winners", gettext_lazy("Winners")),
    ("events.contracts", gettext_lazy("Contracts with the winners")),
]
# Charts drawn from table sources: (table source, title, label column, value column).
CHARTS = [
    ("events.participants_by_city", gettext_lazy("Participants by city"), 0, 3),
    ("applications.by_nomination", gettext_lazy("Applications by nomination"), 0, 1),
    ("voting.votes_per_finalist", gettext_lazy("Votes per finalist"), 1, 2),
    ("voting.voters_by_age", gettext_lazy("Voters by age bracket"), 0, 1),
    ("voting.traffic_sources", gettext_lazy("Traffic sources of the vote's site"), 0, 1),
]


@dataclass
class ActivitySection:
    activity: object
    narrative: object
    rows: list = field(default_factory=list)


@dataclass
class TaskSection:
    task: object
    activities: list = field(default_factory=list)


def _table(name, programme, cache):
    if name not in cache:
        function = table_sources.get(name)
        cache[name] = None if function is None else (lambda pair: (pair[0], list(pair[1])))(
            function(programme))
    return cache[name]


def _chart(rows, label, value, title):
    items = [(str(row[label]), row[value] or 0) for row in rows
             if isinstance(row[value], int | float) or row[value] is None]
    return bar_chart(items, title=title, show_title=True, width=480, font_size=9, bar_height=9)


def _checked_figure(source, programme, figures, cache):
    """What the data says against a contradiction: frozen in an issued version (a version
    issued before contradictions were frozen reads the data as it is now)."""
    if not source:
        return None
    if figures is not None and source in figures:
        return figures[source]
    return source_value(source, programme, cache)


def context(programme, *, version=None, progress=no_progress, cache=None):
    """Everything the report prints, as of ``version`` if given (its frozen values).
    ``cache``: the sources' values already read in this export, if any."""
    if isinstance(version, int):
        version = ReportVersion.objects.get(programme=programme, number=version)
    steps = 6
    progress(0, steps, _("Indicators"))
    cache = {} if cache is None else cache
    rows = evaluate(programme, version=version, cache=cache)
    by_activity = {}
    for row in rows:
        by_activity.setdefault(row.indicator.activity_id, []).append(row)
    progress(1, steps, _("Narratives"))
    tasks, disagreements = [], []
    figures = version.figures if version else None
    for task in Task.objects.filter(programme=programme).prefetch_related("activities"):
        section = TaskSection(task)
        for activity in task.activities.all():
            text = narrative.render(activity, programme, figures=figures, cache=cache)
            disagreements.extend(text.disagreements)
            section.activities.append(ActivitySection(activity, text,
                                                      by_activity.get(activity.pk, [])))
        tasks.append(section)
    progress(2, steps, _("Tables"))
    table_cache = {}
    tables = [(title, *_table(name, programme, table_cache)) for name, title in TABLES
              if _table(name, programme, table_cache) is not None]
    progress(3, steps, _("Charts"))
    charts = [_chart(_table(name, programme, table_cache)[1], label, value, title)
              for name, title, label, value in CHARTS
              if _table(name, programme, table_cache) is not None]
    progress(4, steps, _("Appendices"))
    appendices = list(Appendix.objects.filter(programme=programme).prefetch_related(
        "indicators"))
    contradictions = [(item, _checked_figure(item.source, programme, figures, cache))
                      for item in Contradiction.objects.filter(programme=programme)]
    progress(5, steps, _("Layout"))
    return {
        "programme": programme, "grant": Grant.objects.filter(programme=programme).first(),
        "version": version, "tasks": tasks, "rows": rows, "tables": tables, "charts": charts,
        "appendices": appendices, "contradictions": contradictions,
        "disagreements": disagreements, "generated_at": timezone.now(),
    }
