"""The grant report's indicators as open data, per edition and only once a report is issued:
the latest issued version's frozen figures (``services.evaluate(version=...)``, as the issued
report prints them), never what the sources say today, with each indicator's titles, units
and target as issued (``services.as_issued``; a version issued before they were kept gives
today's). No evidence text or note travels: only the figures, their status and where each
comes from.
"""

from django.utils.translation import gettext_lazy as _

from ozgeris.registries import OpenField, register_open_dataset

from .models import IllustrativeFigure, Indicator, ReportVersion
from .services import as_issued, evaluate

LANGUAGES = ("ru", "kk", "en")

SCHEMA = (
    OpenField("edition", "integer", _("The edition's year."), required=True),
    OpenField("report_version", "integer", _("The number of the issued report."),
              required=True),
    OpenField("issued_at", "datetime", _("When that report was issued (UTC)."), required=True),
    OpenField("task", "integer", _("The task's number in the grant."), required=True),
    OpenField("activity", "integer", _("The activity's number within the task."),
              required=True),
    OpenField("indicator_ru", "string", _("The indicator in Russian."), required=True),
    OpenField("indicator_kk", "string", _("The indicator in Kazakh.")),
    OpenField("indicator_en", "string", _("The indicator in English.")),
    OpenField("unit_ru", "string", _("Its unit in Russian.")),
    OpenField("unit_kk", "string", _("Its unit in Kazakh.")),
    OpenField("unit_en", "string", _("Its unit in English.")),
    OpenField("kind", "string", _("\"number\" (a figure against a target) or \"document\" (a "
                                  "document exists)."), required=True),
    OpenField("direction", "string", _("\"at_least\" or \"at_most\": how the figure meets the "
                                       "target."), required=True),
    OpenField("target", "number", _("The target; empty when there is none.")),
    OpenField("actual", "number", _("The figure as issued (number indicators); empty when "
                                    "there is no data.")),
    OpenField("document_exists", "boolean", _("Whether the document exists (document "
                                              "indicators); empty otherwise.")),
    OpenField("status", "string", _("\"achieved\", \"not_achieved\", \"no_data\" or "
                                    "\"no_figure\" (the original report gives none)."),
              required=True),
    OpenField("manual", "boolean", _("Whether staff entered the figure by hand, with a "
                                     "reason."), required=True),
    OpenField("source", "string", _("The portal's data source of the figure, if any.")),
    OpenField("illustrative", "boolean", _("Whether the figure is illustrative (not given by "
                                           "the original report)."), required=True),
)


def _latest(programme):
    return ReportVersion.objects.filter(programme=programme).order_by("-number").first()


def is_issued(programme):
    return ReportVersion.objects.filter(programme=programme).exists()


def version(programme):
    """A new issued version is a new file."""
    latest = (ReportVersion.objects.filter(programme=programme).order_by("-number")
              .values_list("pk", flat=True).first())
    return str(latest)


def rows(programme):
    """The latest issued version's indicators: three queries for any number."""
    issued = _latest(programme)
    kept = as_issued(issued)
    illustrative = ({item.source for item in kept.illustrative} if kept is not None
                    else set(IllustrativeFigure.objects.filter(programme=programme)
                             .values_list("source", flat=True)))
    for row in evaluate(programme, version=issued):
        indicator = row.indicator
        document = indicator.kind == Indicator.Kind.DOCUMENT
        yield {
            "edition": programme.year,
            "report_version": issued.number,
            "issued_at": issued.issued_at,
            "task": indicator.activity.task.number,
            "activity": indicator.activity.number,
            **{f"indicator_{lang}": getattr(indicator, f"title_{lang}") for lang in LANGUAGES},
            **{f"unit_{lang}": getattr(indicator, f"unit_{lang}") for lang in LANGUAGES},
            "kind": indicator.kind,
            "direction": indicator.direction,
            "target": indicator.target,
            "actual": None if document or isinstance(row.actual, bool) else row.actual,
            "document_exists": row.actual if document and row.actual is not None else None,
            "status": row.status,
            "manual": row.manual,
            "source": "" if row.manual else indicator.source,
            "illustrative": bool(indicator.source) and indicator.source in illustrative,
        }


def register():
    register_open_dataset(
        "indicators", title=_("Indicators of the grant report"),
        description=_("The indicators of each edition's grant report with their targets and "
                      "figures as last issued, once a report is issued."),
        schema=SCHEMA, rows=rows, is_public=is_issued, version=version, order=40)
