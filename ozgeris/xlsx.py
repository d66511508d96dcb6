"""Formula-safe, streaming XLSX for the exporters.

``workbook_bytes(sheets)`` writes each sheet's rows as they come (openpyxl's write-only
mode, so ten thousand rows never sit in memory as cells) and returns the file's bytes.

Every text value becomes a string cell. openpyxl on its own turns a string that starts
with ``=`` into a formula and ``#N/A`` into an error, so a project titled
``=HYPERLINK("http://evil")`` would run in the staff's Excel; here it stays the same text,
typed as a string. Text that starts with ``= + - @`` or a tab also gets Excel's quote
prefix, so that editing the cell in Excel does not turn it into a formula either. Line ends
are written as ``\n`` (Excel's line break in a cell; XML would turn a carriage return into
one anyway), so no text starts with a carriage return. Numbers stay numbers, dates stay
dates (aware datetimes in Asia/Almaty wall-clock time, since Excel has no time zones).
"""

import io
import re
from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# A spreadsheet reads text starting with one of these as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t")

_PASSED_THROUGH = (bool, int, float, Decimal, date, time)
_LINE_END = re.compile(r"\r\n?")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\*?:/\[\]]")
_SHEET_TITLE_MAX = 31
_HEADER_FONT = Font(bold=True)
_MIN_WIDTH = 10
_MAX_WIDTH = 50


def safe_text(value):
    """``value`` as cell text: a string with ``\n`` line ends and without the control
    characters XML cannot carry (openpyxl refuses them, and one stray character in a pasted
    text must not fail the whole export). None is the empty string."""
    if value is None:
        return ""
    return ILLEGAL_CHARACTERS_RE.sub("", _LINE_END.sub("\n", str(value)))


def text_cell(worksheet, value):
    """A string cell holding ``safe_text(value)`` unchanged: never a formula or an error."""
    text = safe_text(value)
    cell = WriteOnlyCell(worksheet, text)
    cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    return cell


def _cell(worksheet, value):
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return timezone.make_naive(value) if timezone.is_aware(value) else value
    if isinstance(value, _PASSED_THROUGH):
        return value
    return text_cell(worksheet, value)


def _sheet_title(title):
    return _SHEET_TITLE_FORBIDDEN.sub(" ", str(title))[:_SHEET_TITLE_MAX].strip() or "Sheet"


def _header(worksheet, labels):
    cells = []
    for index, label in enumerate(labels, start=1):
        cell = text_cell(worksheet, label)
        cell.font = _HEADER_FONT
        width = min(max(len(cell.value) + 2, _MIN_WIDTH), _MAX_WIDTH)
        worksheet.column_dimensions[get_column_letter(index)].width = width
        cells.append(cell)
    return cells


def workbook_bytes(sheets, *, title=None):
    """The XLSX file of ``sheets``: an iterable of ``(title, header, rows)``, where ``header``
    is a list of column labels and ``rows`` any iterable of lists (a generator streams).
    ``title``: the document's title in its properties.

    Each sheet gets a bold, frozen header row. Values: None and "" are empty cells; bool, int,
    float, Decimal, date and time are written as they are; an aware datetime in the default
    time zone (Asia/Almaty), without its zone; anything else (str, a lazy translation) as
    text through ``text_cell``.
    """
    workbook = Workbook(write_only=True)
    if title:
        workbook.properties.title = str(title)
    for sheet_title, header, rows in sheets:
        worksheet = workbook.create_sheet(title=_sheet_title(sheet_title))
        # The frozen pane and the column widths go out with the first row, so they come first.
        worksheet.freeze_panes = "A2"
        worksheet.append(_header(worksheet, header))
        for row in rows:
            worksheet.append([_cell(worksheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
