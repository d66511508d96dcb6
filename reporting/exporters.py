"""The grant report's exporters: ``report`` (PDF/A-3 with the XLSX inside) and
``report-xlsx`` (the data companion, ``companion.py``: one sheet per dataset, built from the
other apps' exporters). Options: ``{"version": n}`` renders an issued version's frozen
values."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ozgeris.pdf import render_pdf
from ozgeris.registries import register_exporter
from ozgeris.uploads import CONTENT_TYPES, PDF

from . import report
from .companion import file_name, render_xlsx, report_version


def _version(options):
    return options.get("version") or None


def render(programme, options, progress):
    """The report as PDF/A-3 with the XLSX appendix embedded."""
    version = report_version(programme, _version(options))

    def first_half(done, total, message=""):
        progress(done, total * 2, message)

    def second_half(done, total, message=""):
        progress(total + done, total * 2, message)

    cache = {}  # each source is read once for both documents
    xlsx_name, _type, xlsx = render_xlsx(programme, options, first_half, cache=cache)
    context = report.context(programme, version=version,
                             for_reader=bool(options.get("for_reader")),
                             progress=second_half, cache=cache)
    content = render_pdf("reporting/pdf/report.html", context, archival=True,
                         attachments=[(xlsx_name, xlsx,
                                       _("Indicators and appendices (XLSX)"))])
    return file_name(programme, version, "pdf"), CONTENT_TYPES[PDF], content


register_exporter("report", title=gettext_lazy("Grant report"), formats=["pdf"], render=render,
                  personal_data=False)
register_exporter("report-xlsx", title=gettext_lazy("Grant report: indicators and appendices"),
                  formats=["xlsx"], render=render_xlsx, personal_data=False)
