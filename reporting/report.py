"""What the grant report shows, gathered once for the PDF: the cover, a one-page summary, each
task and activity with its narrative and indicators, the budget's execution, the outcomes and
lessons, the figures checked against the data, and the appendices.

Each table and chart is printed once: where a narrative inserts it, or else under "The
programme in figures". A draft also carries what only staff need (each indicator's source
and reconstruction note, the sources of the checked figures); an issued version carries none
of it, prints the figures it froze and the texts, titles and targets it kept
(``services.as_issued``; a version issued before they were kept says in print that they are
today's), and the approval block on its cover. A Kazakh or English
report prints each text in its language and, where a field has none yet, the Russian one
marked as such (``localized_text``)."""

import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ozgeris import formats
from ozgeris.models import localized
from ozgeris.registries import no_progress, table_sources

from . import narrative, report_tables
from .budget import budget_of
from .companion import with_staff_notes
from .models import (
    Appendix,
    Contradiction,
    Grant,
    IllustrativeFigure,
    ReportVersion,
    Task,
)
from .services import (
    STATUS_LABELS,
    as_issued,
    disagreements_with_original,
    evaluate,
    is_legacy,
    source_value,
)

ALMATY = ZoneInfo("Asia/Almaty")


@dataclass(frozen=True)
class Text:
    """A text field in the report's language; ``fallback``: the field has no text in that
    language and this is the Russian one (printed with lang="ru" and a visible mark)."""

    value: str
    fallback: bool = False

    def __str__(self):
        return self.value

    def __bool__(self):
        return bool(self.value)

    @property
    def paragraphs(self):
        return [part.strip() for part in re.split(r"\n\s*\n", self.value) if part.strip()]


def localized_text(obj, name):
    """``obj``'s ``name`` field by the one rule (``ozgeris.models.localized``), and whether
    that is the Russian text standing in for a missing Kazakh or English one."""
    value = localized(obj, name) or ""
    language = (translation.get_language() or "ru").split("-")[0]
    own = getattr(obj, f"{name}_{language}", "") if language != "ru" else value
    return Text(value, bool(value) and not own)


@dataclass
class IndicatorRow:
    row: object  # services.Evaluation
    title: Text
    unit: Text
    target: str
    actual: str
    illustrative: object = None  # the note (Text) when its source is marked illustrative


@dataclass
class ActivitySection:
    activity: object
    title: Text
    narrative: object  # narrative.Narrative, its tables replaced by TableViews
    fallback: bool
    rows: list = field(default_factory=list)


@dataclass
class TaskSection:
    task: object
    title: Text
    activities: list = field(default_factory=list)


def _frozen_or_live(name, programme, figures, cache):
    """What ``name`` says: as an issued version froze it, else from the data now."""
    if figures is not None and name in figures:
        return figures[name]
    return source_value(name, programme, cache)


def _indicator_row(row, illustrative):
    indicator = row.indicator
    unit = formats.unit_of(indicator.source)
    if indicator.kind == indicator.Kind.DOCUMENT:
        target = _("exists")
        if row.actual is None:
            actual = "—"
        elif row.actual and indicator.appendix:
            actual = _("attached, appendix №%(number)s") % {"number": indicator.appendix.number}
        else:
            actual = _("attached") if row.actual else _("not attached")
    else:
        target = "—" if indicator.target is None else formats.figure(indicator.target, unit)
        actual = formats.figure(row.actual, unit)
    return IndicatorRow(row, localized_text(indicator, "title"),
                        localized_text(indicator, "unit"), target, actual,
                        illustrative.get(indicator.source))


def _narrative(activity, programme, figures, cache, illustrative, placed):
    text = narrative.render(activity, programme, figures=figures, cache=cache,
                            illustrative=illustrative)
    blocks = []
    for block in text.blocks:
        if block[0] == "table":
            name = block[3]
            placed.add(name)
            block = ("table", report_tables.view(name, *report_tables.data(
                name, programme, figures), illustrative=illustrative.get(name)))
        blocks.append(block)
    text.blocks = blocks
    return text


def _summary(tasks, rows, grant, budget):
    statuses = {code: 0 for code in STATUS_LABELS}
    for row in rows:
        statuses[row.status] = statuses.get(row.status, 0) + 1
    per_task = []
    for section in tasks:
        mine = [item.row for activity in section.activities for item in activity.rows]
        per_task.append((section, sum(row.status == "achieved" for row in mine), len(mine)))
    key = []
    if grant:
        key.append((Text(_("Grant amount")), formats.figure(grant.amount, formats.TENGE)))
    if budget.lines:
        key.append((Text(_("Spent")), formats.figure(budget.spent_total, formats.TENGE)))
    if budget.prizes_paid is not None:
        key.append((Text(_("Prizes paid")), formats.figure(budget.prizes_paid, formats.TENGE)))
    for section in tasks:  # the first figure of each activity: what it set out to do
        for activity in section.activities:
            first = next((item for item in activity.rows if formats.is_number(item.row.actual)),
                         None)
            if first:
                key.append((first.title, first.actual))
    return {"statuses": [(STATUS_LABELS[code], code, count) for code, count in statuses.items()
                         if count], "tasks": per_task, "key": key, "total": len(rows)}


def _budget_view(budget):
    """The budget's amounts written in the report's language, its texts marked where they
    fall back to Russian."""
    def money(value):
        return formats.figure(value, formats.TENGE)

    lines = [{"line": line, "title": localized_text(line, "title"),
              "note": localized_text(line, "note"), "planned": money(line.planned),
              "spent": money(line.spent), "balance": money(line.balance)}
             for line in budget.lines]
    return {"budget": budget, "budget_lines": lines, "budget_totals": {
        "planned": money(budget.planned_total), "spent": money(budget.spent_total),
        "balance": money(budget.planned_total - budget.spent_total),
        "prizes_paid": money(budget.prizes_paid),
        "unspent": money(budget.balance)}}


def _cover(grant, version):
    """The cover's figures and dates, written in the report's language."""
    now = timezone.localtime(timezone.now(), ALMATY)
    cover = {"generated_on": f"{formats.long_date(now.date())}, {now:%H:%M}"}
    if version is not None:
        cover["issued_on"] = formats.long_date(timezone.localtime(version.issued_at,
                                                                  ALMATY).date())
    if grant is not None:
        cover["grantee"] = localized_text(grant, "grantee")
        cover["amount"] = formats.figure(grant.amount, formats.TENGE)
        cover["period"] = (f"{formats.long_date(grant.period_start)} — "
                           f"{formats.long_date(grant.period_end)}")
    return cover


def _titled(programme, version):
    """Whose titles the report prints: the programme's as ``version`` kept them, else now."""
    issued = as_issued(version)
    return issued.programme if issued is not None and issued.programme else programme


def _records(programme, version):
    """(tasks with their activities, grant, illustrative marks, contradictions, appendices):
    as ``version`` kept them, else (a draft, or a version issued before they were kept) as
    they are now."""
    issued = as_issued(version)
    if issued is not None:
        return ([(task, task.issued_activities) for task in issued.tasks], issued.grant,
                issued.illustrative, issued.contradictions, issued.appendices)
    tasks = [(task, list(task.activities.all()))
             for task in Task.objects.filter(programme=programme).prefetch_related("activities")]
    return (tasks, Grant.objects.filter(programme=programme).first(),
            list(IllustrativeFigure.objects.filter(programme=programme)),
            list(Contradiction.objects.filter(programme=programme)),
            list(Appendix.objects.filter(programme=programme)))


def context(programme, *, version=None, for_reader=False, progress=no_progress, cache=None):
    """Everything the report prints, as of ``version`` if given (its frozen values and kept
    texts; the issued report then leaves out the staff's notes, as a read-only seat's draft
    does: ``for_reader``). ``cache``: the sources' values already read in this export, if
    any. Reports a progress step per section and per task."""
    if isinstance(version, int):
        version = ReportVersion.objects.get(programme=programme, number=version)
    tasks_qs, grant, marks, checked, appendices = _records(programme, version)
    steps = 8 + len(tasks_qs)
    step = iter(range(steps))
    cache = {} if cache is None else cache
    figures = version.figures if version else None
    progress(next(step), steps, _("Cover"))
    illustrative = {item.source: localized_text(item, "note") for item in marks}
    progress(next(step), steps, _("Indicators"))
    rows = evaluate(programme, version=version, cache=cache)
    by_activity = {}
    for row in rows:
        by_activity.setdefault(row.indicator.activity_id, []).append(
            _indicator_row(row, illustrative))
    tasks, disagreements, placed = [], [], set()
    for task, activities in tasks_qs:
        progress(next(step), steps, _("Task %(number)s") % {"number": task.number})
        section = TaskSection(task, localized_text(task, "title"))
        for activity in activities:
            text = _narrative(activity, programme, figures, cache, illustrative, placed)
            disagreements.extend(text.disagreements)
            section.activities.append(ActivitySection(
                activity, localized_text(activity, "title"), text,
                localized_text(activity, "narrative").fallback,
                by_activity.get(activity.pk, [])))
        tasks.append(section)
    progress(next(step), steps, _("Tables and charts"))
    extra = [report_tables.view(name, *report_tables.data(name, programme, figures),
                                illustrative=illustrative.get(name))
             for name in report_tables.TITLES
             if name not in placed and name in table_sources]
    progress(next(step), steps, _("Budget"))
    budget = budget_of(programme, version=version, cache=cache)
    progress(next(step), steps, _("Summary"))
    summary = _summary(tasks, rows, grant, budget)
    progress(next(step), steps, _("Figures checked against the data"))
    contradictions = [(item, _frozen_or_live(item.source, programme, figures, cache)
                       if item.source else None)
                      for item in checked]
    progress(next(step), steps, _("Appendices"))
    for appendix in appendices:  # the count as printed, from the indicators it printed
        appendix.indicator_count = sum(row.indicator.appendix_id == appendix.pk for row in rows)
    progress(next(step), steps, _("Layout"))
    placed_tables = [block[1] for section in tasks for activity in section.activities
                     for block in activity.narrative.blocks if block[0] == "table"]
    return {
        "programme": programme, "programme_title": localized_text(_titled(programme, version),
                                                                  "title"),
        "grant": grant, "version": version, "issued": version is not None,
        "legacy": is_legacy(version),
        "staff": with_staff_notes(version, for_reader), "tasks": tasks, "rows": rows,
        "summary": summary,
        "tables": placed_tables + extra, "extra_tables": extra, **_budget_view(budget),
        **_cover(grant, version),
        "appendices": appendices, "contradictions": contradictions,
        "disagreements": [(item, formats.figure(item.actual, formats.unit_of(item.source)))
                          for item in disagreements_with_original(rows, disagreements)],
    }
