"""The report's rules: what an indicator's actual value is, whether it is achieved, manual
values with their reasons, and issuing a version that freezes the values.

The report never counts by itself: it calls the indicator sources the apps registered
(``ozgeris.registries.indicator_sources``). A source's value is a number, or for a document
indicator a yes/no (``True``/``False`` or ``{"exists": bool, "evidence": text}``).

A document indicator is met when its document is recorded, and its row names the appendix
that holds it, never a count; a number indicator never reads yes/no. Where a framework was
reconstructed from an original report (its indicators carry the original's line), a target
is the original's figure: a number indicator without one "gives no figure" rather than "no
data", and every figure of the data that differs from it is listed once among the
disagreements (``disagreements_with_original``).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ozgeris import audit
from ozgeris.models import Programme
from ozgeris.registries import indicator_sources

from .models import (
    Activity,
    Appendix,
    Contradiction,
    Grant,
    IllustrativeFigure,
    Indicator,
    ReportVersion,
    Task,
)


class ReportError(Exception):
    """A refusal with a message for staff (already translated)."""


ACHIEVED = "achieved"
NOT_ACHIEVED = "not_achieved"
NO_DATA = "no_data"
NO_FIGURE = "no_figure"
STATUS_LABELS = {ACHIEVED: gettext_lazy("achieved"), NOT_ACHIEVED: gettext_lazy("not achieved"),
                 NO_DATA: gettext_lazy("no data"),
                 NO_FIGURE: gettext_lazy("the original gives no figure")}
# How the original words a lower bound ("более 1000"): the target note quotes its figure.
LOWER_BOUND_CLAIM = "«более"


@dataclass
class Evaluation:
    indicator: Indicator
    actual: object  # a number, True/False for a document, or None (no data)
    status: str
    evidence: str = ""
    manual: bool = False

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    @property
    def appendix(self):
        """The appendix that holds the indicator's evidence (for a document: the document)."""
        return self.indicator.appendix


@dataclass
class Disagreement:
    """A figure of the original (``typed``) that the data (``actual``, from ``source``) does
    not confirm: an indicator's, or one typed in ``activity``'s narrative."""

    activity: object
    typed: str
    source: str
    actual: object
    indicator: Indicator | None = None


def _number(value):
    if isinstance(value, bool) or value is None:
        return value
    value = Decimal(str(value))
    return int(value) if value == value.to_integral_value() else float(round(value, 2))


def source_value(name, programme, cache=None):
    """What the registered source ``name`` says for ``programme`` (None if unknown)."""
    if cache is not None and name in cache:
        return cache[name]
    function = indicator_sources.get(name)
    value = function(programme) if function else None
    if cache is not None:
        cache[name] = value
    return value


def _read(indicator, programme, cache):
    """(actual, evidence, manual) of one indicator: a yes/no for a document (a count says
    whether any exists), a number for a number (a recorded document counts as one)."""
    if indicator.manual_value is not None:
        value, evidence, manual = indicator.manual_value, indicator.manual_reason, True
    elif indicator.source:
        value, evidence, manual = source_value(indicator.source, programme, cache), "", False
    else:
        return None, "", False
    if isinstance(value, dict):
        value, evidence = bool(value.get("exists")), str(value.get("evidence") or "")
    if value is None:
        return None, evidence, manual
    if indicator.kind == Indicator.Kind.DOCUMENT:
        return bool(value), evidence, manual
    return _number(int(value) if isinstance(value, bool) else value), evidence, manual


def status_of(indicator, actual):
    if indicator.kind == Indicator.Kind.DOCUMENT or isinstance(actual, bool):
        if actual is None:
            return NO_DATA
        return ACHIEVED if actual else NOT_ACHIEVED
    if indicator.target is None:
        return NO_DATA if indicator.original_line is None else NO_FIGURE
    if actual is None:
        return NO_DATA
    if indicator.direction == Indicator.Direction.AT_MOST:
        return ACHIEVED if actual <= indicator.target else NOT_ACHIEVED
    return ACHIEVED if actual >= indicator.target else NOT_ACHIEVED


def indicators_of(programme, *, version=None):
    """The programme's indicators in the report's order: as ``version`` printed them (its
    kept content), else as they are now."""
    issued = as_issued(version)
    if issued is not None:
        return issued.indicators
    return (Indicator.objects.filter(activity__task__programme=programme)
            .select_related("activity", "activity__task", "appendix")
            .order_by("activity__task__number", "activity__number", "order", "pk"))


def evaluate(programme, *, version=None, cache=None):
    """Every indicator of the programme with its actual value and status: from the sources
    now, or as ``version`` froze them (its indicators with their targets and titles as
    issued, where the version kept them)."""
    cache = {} if cache is None else cache
    rows = []
    for indicator in indicators_of(programme, version=version):
        if version is not None:
            frozen = version.values.get(str(indicator.pk))
            if frozen is None:
                rows.append(Evaluation(indicator, None, NO_DATA))
                continue
            rows.append(Evaluation(indicator, frozen["actual"], frozen["status"],
                                   frozen.get("evidence", ""), frozen.get("manual", False)))
            continue
        actual, evidence, manual = _read(indicator, programme, cache)
        rows.append(Evaluation(indicator, actual, status_of(indicator, actual), evidence, manual))
    return rows


def _typed(value):
    """A typed figure in one spelling ("300 000", "300000.00" → "300000"); text as it is."""
    text = str(value).replace(" ", "").replace("\u202f", "").replace("\u00a0", "")
    try:
        return format(Decimal(text.replace(",", ".")).normalize(), "f")
    except ArithmeticError:
        return str(value).strip()


def disagreements_with_original(rows, narrative_disagreements=()):
    """Each figure of the data that differs from the original's typed figure, once: an
    indicator whose target is the original's figure (a figure above a lower bound such as
    «более 1000» agrees with it), and the narratives' ``{140|source}`` placeholders whose
    source says otherwise. The same source and typed figure in both are listed once."""
    found, seen = [], set()

    def add(item):
        key = (item.source, _typed(item.typed))
        if key not in seen:
            seen.add(key)
            found.append(item)

    for row in rows:
        indicator = row.indicator
        if (indicator.kind != Indicator.Kind.NUMBER or indicator.original_line is None
                or indicator.target is None or row.actual is None
                or row.actual == indicator.target):
            continue
        if row.actual > indicator.target and LOWER_BOUND_CLAIM in indicator.target_note:
            continue
        add(Disagreement(indicator.activity, _typed(indicator.target), indicator.source,
                         row.actual, indicator))
    for item in narrative_disagreements:
        add(Disagreement(item.activity, item.typed, item.source, item.actual))
    return found


def set_manual_value(*, indicator, value, reason, by):
    """Give an indicator a value typed by staff (or clear it with ``value=None``), with the
    reason; logged. Side effects: the indicator, an audit entry ``report.manual_value``."""
    if value is not None and not (reason or "").strip():
        raise ReportError(_("Give the reason for a manual value."))
    with transaction.atomic():
        previous = indicator.manual_value
        indicator.manual_value = value
        indicator.manual_reason = reason if value is not None else ""
        indicator.save(update_fields=["manual_value", "manual_reason"])
        audit.record(by, "report.manual_value", indicator,
                     previous=None if previous is None else str(previous),
                     value=None if value is None else str(value), reason=reason)
    return indicator


def issue(*, programme, by, note=""):
    """Freeze what every indicator's source says now (and the figures the narratives and the
    checked contradictions use, the budget's execution, and the texts and targets the report
    prints: ``kept_content``) into a new report version.
    Side effects: the version, an audit entry ``report.issued``."""
    from . import report_tables
    from .budget import frozen as frozen_budget
    from .narrative import figures_used

    cache = {}
    rows = evaluate(programme, cache=cache)
    budget = frozen_budget(programme, cache)
    names = set(figures_used(programme)) | set(
        Contradiction.objects.filter(programme=programme).exclude(source="")
        .values_list("source", flat=True))
    figures = {name: _jsonable(source_value(name, programme, cache)) for name in names}
    figures.update(report_tables.frozen(programme))  # the tables too, in each language
    content = kept_content(programme)
    with transaction.atomic():
        # The programme's row lock numbers versions one at a time (the unique constraint
        # would refuse a duplicate anyway).
        type(programme).objects.select_for_update().filter(pk=programme.pk).first()
        number = (ReportVersion.objects.filter(programme=programme)
                  .aggregate(n=Max("number"))["n"] or 0) + 1
        version = ReportVersion.objects.create(
            programme=programme, number=number, issued_by=by, note=note, figures=figures,
            budget=budget, content=content,
            values={str(row.indicator.pk): {"actual": _jsonable(row.actual),
                                             "status": row.status, "evidence": row.evidence,
                                             "manual": row.manual} for row in rows})
        audit.record(by, "report.issued", programme, version=number)
    return version


def _jsonable(value):
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, Decimal):
        return float(value)
    return value


# ---------------------------------------------------------------------------
# What an issued version printed from records staff may edit later
# ---------------------------------------------------------------------------

def _in_each_language(*names):
    return tuple(f"{name}_{language}" for name in names
                 for language, _label in settings.LANGUAGES)


# {key in ReportVersion.content: (model, the fields kept)}
KEPT = {
    "programme": (Programme, _in_each_language("title")),
    "tasks": (Task, ("id", "number", *_in_each_language("title"))),
    "activities": (Activity, ("id", "task_id", "number",
                              *_in_each_language("title", "narrative"))),
    "appendices": (Appendix, ("id", "number", "exporters", *_in_each_language("title"),
                              "held_elsewhere", "held_elsewhere_kk", "held_elsewhere_en")),
    "indicators": (Indicator, ("id", "activity_id", "order", *_in_each_language("title", "unit"),
                               "kind", "target", "target_note", "direction", "source",
                               "appendix_id", "original_line")),
    "grant": (Grant, tuple(item.attname for item in Grant._meta.concrete_fields)),
    "contradictions": (Contradiction, tuple(item.attname
                                            for item in Contradiction._meta.concrete_fields)),
    "illustrative": (IllustrativeFigure, ("source", *_in_each_language("note"))),
}


def _kept_value(value):
    if isinstance(value, Decimal):
        return str(value)  # exact, as typed
    if isinstance(value, date):
        return value.isoformat()
    return value


def kept_content(programme):
    """The records the report prints, as ``ReportVersion.content`` keeps them (JSON)."""
    querysets = {
        "programme": Programme.objects.filter(pk=programme.pk),
        "tasks": Task.objects.filter(programme=programme),
        "activities": Activity.objects.filter(task__programme=programme),
        "appendices": Appendix.objects.filter(programme=programme),
        "indicators": indicators_of(programme),
        "grant": Grant.objects.filter(programme=programme),
        "contradictions": Contradiction.objects.filter(programme=programme),
        "illustrative": IllustrativeFigure.objects.filter(programme=programme),
    }
    return {key: [{name: _kept_value(getattr(record, name)) for name in KEPT[key][1]}
                  for record in queryset] for key, queryset in querysets.items()}


@dataclass
class Issued:
    """An issued version's records as it printed them: unsaved model instances rebuilt from
    ``ReportVersion.content``, in the report's order (each task's ``issued_activities``)."""

    tasks: list
    indicators: list
    appendices: list
    grant: Grant | None
    contradictions: list
    illustrative: list = field(default_factory=list)
    programme: Programme | None = None  # its titles (kept since the title was kept)


def _rebuilt(key, data):
    model, _names = KEPT[key]
    return model(**{name: model._meta.get_field(name).to_python(value)
                    for name, value in data.items()})


def as_issued(version):
    """``version``'s records as issued, or None: for a draft (no version), and for a version
    issued before versions kept them (it prints today's records and says so: ``is_legacy``).
    Rebuilt once per version object, without a query."""
    if version is None or not version.content:
        return None
    if getattr(version, "_as_issued", None) is None:
        content = version.content
        built = {key: [_rebuilt(key, item) for item in content.get(key, [])] for key in KEPT}
        tasks = {task.pk: task for task in built["tasks"]}
        activities = {activity.pk: activity for activity in built["activities"]}
        appendices = {appendix.pk: appendix for appendix in built["appendices"]}
        for task in tasks.values():
            task.issued_activities = []
        for activity in built["activities"]:
            activity.task = tasks[activity.task_id]
            activity.task.issued_activities.append(activity)
        for indicator in built["indicators"]:
            indicator.activity = activities[indicator.activity_id]
            indicator.appendix = appendices.get(indicator.appendix_id)
        version._as_issued = Issued(
            tasks=built["tasks"], indicators=built["indicators"],
            appendices=built["appendices"], grant=next(iter(built["grant"]), None),
            contradictions=built["contradictions"], illustrative=built["illustrative"],
            programme=next(iter(built["programme"]), None))
    return version._as_issued


def is_legacy(version):
    """An issued version that predates kept content: its targets and texts are today's."""
    return version is not None and not version.content
