"""The report's XLSX companion (``report-xlsx``): the data behind the report, for the donor to
recompute it. It is also attached inside the PDF.

First a sheet that says what the file is: a draft with the time it was computed, or an
issued version with its number and date (the workbook's title says the same, and so does the
file name: ``report-YEAR-draft.xlsx``, ``report-YEAR-vN.xlsx``). Then one sheet per dataset,
each once: the indicators, the budget, the index of the appendices
(which data sheets each holds, what is kept elsewhere), then every appendix exporter's sheets
once even when several appendices name the same exporter, and the notes on the figures the
report prints as illustrative. Numbers stay numbers and dates dates; a totals row never sits
inside a data range (it comes under a blank row); headers and sheet names are in the
report's language (the caller's active language); every text cell is formula-safe
(``ozgeris.xlsx``). Options: ``{"version": n}`` writes an issued version's frozen figures and
kept titles and targets (``services.as_issued``), without the staff's working notes; its
appendices' data sheets are today's data, and the first sheet says so;
``{"for_reader": True}`` (a read-only seat's) leaves the notes out too.
"""

import io
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from ozgeris import formats
from ozgeris.models import localized
from ozgeris.reader_seats import attachable_for_seats
from ozgeris.registries import exporters, no_progress
from ozgeris.uploads import CONTENT_TYPES, XLSX
from ozgeris.xlsx import workbook_bytes

from .budget import budget_of
from .models import Appendix, IllustrativeFigure, Indicator, ReportVersion
from .services import as_issued, evaluate, is_legacy

# Exporters never attached to the report: the auditor's file of votes carries the per-vote
# secrets that keep a public leaf from proving a choice.
NEVER_ATTACHED = {"votes", "report", "report-xlsx"}
_SHEET_TITLE_MAX = 31
_SHEET_TITLE_FORBIDDEN = str.maketrans({char: " " for char in "\\*?:/[]"})


def with_staff_notes(version, for_reader):
    """Whether a report carries the staff's working notes (sources, reconstruction notes):
    only a draft (no issued ``version``) made for staff. An issued version is the donor's; a
    read-only seat (``for_reader``, set by the reports page) reads a draft as the donor would.
    The PDF (``report.context``) and the XLSX both ask here."""
    return version is None and not for_reader


def report_version(programme, number):
    return None if not number else ReportVersion.objects.get(programme=programme,
                                                              number=number)


def file_name(programme, version, extension):
    """``report-2019-draft.pdf`` or ``report-2019-v2.xlsx``: a draft never passes for an
    issued version."""
    which = f"v{version.number}" if version is not None else "draft"
    return f"report-{programme.year}-{which}.{extension}"


def status_line(version):
    """What the document is, in the report's language: "Draft, generated <date, time>" or
    "Version N, issued on <date>." (Almaty time), as the PDF's cover says it."""
    if version is None:
        now = timezone.localtime(timezone.now())
        return _("Draft, generated %(date)s") % {
            "date": f"{formats.long_date(now.date())}, {now:%H:%M}"}
    return _("Version %(number)s, issued on %(date)s.") % {
        "number": version.number,
        "date": formats.long_date(timezone.localtime(version.issued_at).date())}


def _about_sheet(programme, version):
    """The first sheet: what the file is, and for an issued version what is not as issued."""
    rows = [[_("Grant report: indicators and appendices")], [programme.year]]
    if is_legacy(version):
        rows.append([_("Issued before the report kept its targets and texts: targets and "
                       "texts as they are now.")])
    if version is not None:
        rows.append([_("The appendices' data sheets hold the data as it was when this file "
                       "was made, not as issued.")])
    return _("About this file"), [status_line(version)], rows


class SheetTitles:
    """Unique sheet names (Excel compares them without case, at most 31 characters)."""

    def __init__(self):
        self.taken = set()

    def __call__(self, title):
        base = " ".join(str(title).translate(_SHEET_TITLE_FORBIDDEN).split()) or "Sheet"
        candidate, counter = base[:_SHEET_TITLE_MAX], 1
        while candidate.casefold() in self.taken:
            counter += 1
            suffix = f" ({counter})"
            candidate = base[:_SHEET_TITLE_MAX - len(suffix)] + suffix
        self.taken.add(candidate.casefold())
        return candidate


def _actual(indicator, actual):
    """A number as a number; a document as attached or not; nothing as an empty cell."""
    if actual is None:
        return None
    if indicator.kind == Indicator.Kind.DOCUMENT or isinstance(actual, bool):
        return _("attached") if actual else _("not attached")
    return actual


def _indicators_sheet(programme, version, cache, illustrative, for_reader):
    staff_notes = with_staff_notes(version, for_reader)
    header = [_("Task"), _("Task title"), _("Activity"), _("Activity title"), _("Indicator"),
              _("Unit"), _("Target"), _("Actual"), _("Status"), _("Appendix"), _("Evidence"),
              _("Illustrative")]
    if staff_notes:  # the reconstruction notes are the staff's, not the donor's
        header.append(_("About the target"))
    rows = []
    for row in evaluate(programme, version=version, cache=cache):
        indicator = row.indicator
        activity, task = indicator.activity, indicator.activity.task
        line = [task.number, task.title, f"{task.number}.{activity.number}", activity.title,
                indicator.title, indicator.unit_label,
                None if indicator.target is None else indicator.target,
                _actual(indicator, row.actual), str(row.status_label),
                f"№{indicator.appendix.number}" if indicator.appendix else "", row.evidence,
                illustrative.get(indicator.source, "")]
        if staff_notes:
            line.append(indicator.target_note)
        rows.append(line)
    return _("Indicators"), header, rows


def _budget_sheet(programme, version, cache):
    """The lines, then under a blank row the totals, the grant and the prizes paid."""
    budget = budget_of(programme, version=version, cache=cache)
    header = ["№", _("Budget line"), _("Planned, ₸"), _("Spent, ₸"), _("Balance, ₸"),
              _("Illustrative"), _("Note")]
    rows = [[line.number, line.title, line.planned, line.spent, line.balance,
             _("illustrative") if line.illustrative else "", line.note]
            for line in budget.lines]
    rows += [[],
             [None, _("Total"), budget.planned_total, budget.spent_total,
              budget.planned_total - budget.spent_total],
             [None, _("Grant amount"), budget.grant_amount],
             [None, _("Prizes paid under the winners' contracts"), None, budget.prizes_paid]]
    return _("Budget"), header, rows


def _cell_value(cell):
    """A copied cell's value: a date stays a date (openpyxl reads every date back as a
    datetime; the source's number format says whether it had a time)."""
    value = cell.value
    if isinstance(value, datetime) and "h" not in (getattr(cell, "number_format", "") or ""
                                                   ).lower():
        return value.date()
    return value


def _copied(sheet):
    rows = sheet.iter_rows()
    header = [cell.value or "" for cell in next(rows, ())]
    return header, ([_cell_value(cell) for cell in row] for row in rows)


def appendices_of(programme, version):
    """The appendices the report of ``version`` lists: as it issued them, else today's."""
    issued = as_issued(version)
    return (issued.appendices if issued is not None
            else list(Appendix.objects.filter(programme=programme)))


def attached_exports(programme, options):
    """The exports whose sheets the companion made with ``options`` attaches: what a job of
    it carries besides its own data (``reporting.jobs.may_read_job``)."""
    version = report_version(programme, options.get("version") or None)
    return _attached(appendices_of(programme, version), programme,
                     for_reader=bool(options.get("for_reader")),
                     sealed=set(options.get("sealed", ())))


def _attached(appendices, programme, for_reader=False, sealed=()):
    """The exporters the appendices name, each once, in the appendices' order. A report made
    for a read-only seat (``for_reader``, set by the reports page, never by the form) carries
    only the exports the seats may read themselves; none carries an export ``sealed`` from
    the person who asked for it (the reports page names them: a juror's own jury's scores)."""
    names = []
    for appendix in appendices:
        for name in appendix.exporters:
            exporter = exporters.get(name)
            if (exporter is not None and name not in NEVER_ATTACHED and name not in sealed
                    and "xlsx" in exporter.formats and name not in names
                    and (not for_reader or attachable_for_seats(exporter, programme))):
                names.append(name)
    return names


def _datasets(programme, names, titles, progress, step, steps):
    """Each exporter rendered once: ({exporter name: [sheet titles]}, sheets)."""
    held, sheets = {}, []
    for name in names:
        _filename, _type, content = exporters.get(name).render(programme, {}, no_progress)
        book = load_workbook(io.BytesIO(content), read_only=True)
        for sheet in book.worksheets:
            title = titles(sheet.title)
            held.setdefault(name, []).append(title)
            sheets.append((title, *_copied(sheet)))
        step += 1
        progress(step, steps, _("Appendices"))
    return held, sheets


def _index_sheet(appendices, held):
    header = ["№", _("Appendix"), _("Data sheets"), _("Kept elsewhere")]
    rows = [[appendix.number, appendix.title,
             "; ".join(title for name in appendix.exporters for title in held.get(name, [])),
             localized(appendix, "held_elsewhere")] for appendix in appendices]
    return _("Appendices"), header, rows


def render_xlsx(programme, options, progress, *, cache=None):
    """``cache``: the sources' values already read in this export (the PDF shares its own)."""
    version = report_version(programme, options.get("version") or None)
    issued = as_issued(version)
    cache = {} if cache is None else cache
    appendices = appendices_of(programme, version)
    for_reader = bool(options.get("for_reader"))
    names = _attached(appendices, programme, for_reader=for_reader,
                      sealed=set(options.get("sealed", ())))
    steps = 2 + len(names)
    progress(0, steps, _("Indicators"))
    illustrative = {item.source: item.note for item in (
        issued.illustrative if issued is not None
        else IllustrativeFigure.objects.filter(programme=programme))}
    titles = SheetTitles()
    first = [_about_sheet(programme, version),
             _indicators_sheet(programme, version, cache, illustrative, for_reader),
             _budget_sheet(programme, version, cache)]
    for title, _header, _rows in first:
        titles(title)
    index_title = titles(_("Appendices"))
    notes_title = titles(_("Illustrative figures"))
    progress(2, steps, _("Appendices"))
    held, datasets = _datasets(programme, names, titles, progress, 2, steps)
    _title, header, rows = _index_sheet(appendices, held)
    sheets = [*first, (index_title, header, rows), *datasets]
    if illustrative:
        sheets.append((notes_title, [_("Note")], [[note] for note in illustrative.values()]))
    content = workbook_bytes(sheets, title=f"{_('Grant report: indicators and appendices')} "
                                           f"{programme.year}. {status_line(version)}")
    progress(steps, steps, _("Appendices"))
    return file_name(programme, version, "xlsx"), CONTENT_TYPES[XLSX], content
