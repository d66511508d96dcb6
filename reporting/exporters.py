"""The grant report's exporters: ``report`` (PDF/A-3 with the XLSX inside) and
``report-xlsx`` (an indicators sheet and one sheet per appendix, built from the other apps'
exporters). Options: ``{"version": n}`` renders an issued version's frozen values."""

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from ozgeris.charts import format_figure
from ozgeris.pdf import render_pdf
from ozgeris.registry import exporters, no_progress, register_exporter
from ozgeris.uploads import CONTENT_TYPES, PDF, XLSX
from ozgeris.xlsx import workbook_bytes

from . import report
from .models import Appendix
from .services import evaluate

# Exporters never attached to the report: the auditor's file of votes carries the per-vote
# secrets that keep a public leaf from proving a choice.
NEVER_ATTACHED = {"votes", "report", "report-xlsx"}


def _version(options):
    return options.get("version") or None


def _indicator_rows(programme, version, cache):
    for row in evaluate(programme, version=version, cache=cache):
        indicator = row.indicator
        yield [indicator.activity.task.number, indicator.activity.task.title,
               f"{indicator.activity.task.number}.{indicator.activity.number}",
               indicator.activity.title, indicator.title, indicator.unit_label,
               None if indicator.target is None else float(indicator.target),
               indicator.target_note,
               row.actual if isinstance(row.actual, int | float) and not isinstance(
                   row.actual, bool) else format_figure(row.actual),
               str(row.status_label),
               f"№{indicator.appendix.number}" if indicator.appendix else "",
               row.evidence]


def _appendix_sheets(programme, progress, step, steps):
    """Each appendix's exporters, their sheets copied row by row (so formula safety is ours)."""
    for appendix in Appendix.objects.filter(programme=programme):
        for name in appendix.exporters:
            exporter = exporters.get(name)
            if exporter is None or name in NEVER_ATTACHED or "xlsx" not in exporter.formats:
                continue
            _filename, _type, content = exporter.render(programme, {}, no_progress)
            book = load_workbook(io.BytesIO(content), read_only=True)
            for sheet in book.worksheets:
                rows = sheet.iter_rows(values_only=True)
                header = [cell or "" for cell in next(rows, [])]
                title = f"{appendix.number} {sheet.title}"
                yield title, header, ([*row] for row in rows)
        step += 1
        progress(step, steps, _("Appendices"))


def render_xlsx(programme, options, progress, *, cache=None):
    """``cache``: the sources' values already read in this export (the PDF shares its own)."""
    version = _version(options)
    steps = 1 + Appendix.objects.filter(programme=programme).count()
    progress(0, steps, _("Indicators"))
    header = [_("Task"), _("Task title"), _("Activity"), _("Activity title"), _("Indicator"),
              _("Unit"), _("Target"), _("About the target"), _("Actual"), _("Status"),
              _("Appendix"), _("Evidence")]
    sheets = [(_("Indicators"), header, list(_indicator_rows(programme, report_version(
        programme, version), cache)))]
    progress(1, steps, _("Indicators"))
    content = workbook_bytes([*sheets, *_appendix_sheets(programme, progress, 1, steps)])
    return f"report-{programme.year}.xlsx", CONTENT_TYPES[XLSX], content


def report_version(programme, number):
    from .models import ReportVersion

    return None if not number else ReportVersion.objects.get(programme=programme,
                                                              number=number)


def render(programme, options, progress):
    """The report as PDF/A-3 with the XLSX appendix embedded."""
    version = _version(options)

    def first_half(done, total, message=""):
        progress(done, total * 2, message)

    def second_half(done, total, message=""):
        progress(total + done, total * 2, message)

    cache = {}  # each source is read once for both documents
    _name, _type, xlsx = render_xlsx(programme, options, first_half, cache=cache)
    context = report.context(programme, version=report_version(programme, version),
                             progress=second_half, cache=cache)
    content = render_pdf("reporting/pdf/report.html", context, archival=True,
                         attachments=[(f"report-{programme.year}.xlsx", xlsx,
                                       _("Indicators and appendices (XLSX)"))])
    return f"report-{programme.year}.pdf", CONTENT_TYPES[PDF], content


register_exporter("report", title=gettext_lazy("Grant report"), formats=["pdf"], render=render)
register_exporter("report-xlsx", title=gettext_lazy("Grant report: indicators and appendices"),
                  formats=["xlsx"], render=render_xlsx)
