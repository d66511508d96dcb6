"""Reading an uploaded table (an XLSX workbook or CSV text) into rows with their line numbers,
for every import that previews rows before saving them (the budget, rosters, guest lists).

``read_table(file, max_rows=...)`` decides the file's type by its content, never by its name: a
workbook is checked whole by ``ozgeris.uploads`` and its first sheet read; any other known type
(a PDF, an image) and web page markup are refused; the rest is read as CSV text (UTF-8, else
Windows-1251; the delimiter sniffed). A cell holding a formula is read as a ``Formula``, never
as the result the file caches (a cached result can say anything, and a formula must not reach
another spreadsheet): the caller refuses its row. Blank rows are left out; line numbers stay
the spreadsheet's (the header is line 1). A file that cannot be read as a whole raises
``UnreadableFile`` with a sentence for the person who uploaded it.
"""

import csv
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from .uploads import XLSX, looks_like_markup, sniff, validate_upload


class UnreadableFile(ValidationError):
    """The file as a whole cannot be read (its type, its encoding, its size, no header)."""


class Formula:
    """A spreadsheet cell holding a formula."""

    def __str__(self):
        return "="


@dataclass
class Table:
    header: list
    rows: list = field(default_factory=list)  # [(line, [cell, ...])], blank rows left out


@dataclass
class Preview:
    """What an import would record, before staff confirm: the good rows (dicts with their
    "line") and each bad row's line with its reasons."""

    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # [(line, [reasons])]


def has_formula(cells):
    return any(isinstance(value, Formula) for value in cells)


def clean(value):
    """A cell as one line of text, its runs of whitespace made single spaces."""
    return "" if value is None else " ".join(str(value).split())


def _csv_rows(data, limit):
    if b"\x00" in data[:4096]:
        raise UnreadableFile(_("The file is not a CSV text file."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError as exc:
            raise UnreadableFile(_("The CSV file's text encoding could not be read; save it as "
                                   "UTF-8.")) from exc
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # newline="": line ends inside quoted cells stay in the cell (the csv module's rule).
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        return [row for _index, row in zip(range(limit), reader, strict=False)]
    except csv.Error as exc:  # its message is in English: the line number says where
        raise UnreadableFile(_("The CSV file cannot be read: reading stopped at line "
                               "%(line)d (a cell too long, or a quotation mark left open above "
                               "it); save it again from the spreadsheet.")
                             % {"line": reader.line_num}) from exc


def _xlsx_rows(file, limit):
    try:
        validate_upload(file, allowed=(XLSX,))
    except ValidationError as exc:
        raise UnreadableFile(exc.messages[0]) from exc
    try:
        workbook = load_workbook(file, read_only=True, data_only=False)
        rows = [[Formula() if cell.data_type == "f" else cell.value for cell in row]
                for _index, row in zip(range(limit), workbook.worksheets[0].iter_rows(),
                                       strict=False)]
        workbook.close()
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise UnreadableFile(_("The Excel workbook is damaged and cannot be read.")) from exc
    return rows


def read_table(file, *, max_rows):
    """The header and the non-blank rows of ``file`` (an upload), at most ``max_rows`` rows
    under the header; raises UnreadableFile otherwise."""
    size = getattr(file, "size", None)
    if not size:
        raise UnreadableFile(_("The file is empty."))
    if size > settings.UPLOAD_MAX_BYTES:
        raise UnreadableFile(_("The file is larger than the upload limit."))
    file.seek(0)
    kind = sniff(file.read(2048))
    file.seek(0)
    limit = max_rows + 2  # the header, the rows, and one more to tell a file too long
    if kind == XLSX:
        table = _xlsx_rows(file, limit)
    elif kind is not None:  # a PDF or an image: ozgeris.uploads says so in its words
        try:
            validate_upload(file, allowed=(XLSX,))
        except ValidationError as exc:
            raise UnreadableFile(exc.messages[0]) from exc
        raise UnreadableFile(_("The file is neither an Excel workbook (XLSX) nor CSV text."))
    else:
        data = file.read()
        # A web page or an SVG is no table: refused as the other uploads refuse markup.
        if looks_like_markup(data):
            raise UnreadableFile(_("The file contains web page markup and was refused."))
        table = _csv_rows(data, limit)
    if not table:
        raise UnreadableFile(_("The file is empty."))
    if len(table) > max_rows + 1:
        raise UnreadableFile(_("The file has more than %(max)d rows.") % {"max": max_rows})
    rows = [(line, list(cells)) for line, cells in enumerate(table[1:], start=2)
            if any(isinstance(value, Formula) or clean(value) for value in cells)]
    return Table(list(table[0]), rows)
