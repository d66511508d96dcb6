"""Reading a roster (or a guest list) from an XLSX or CSV file into checked rows.

``read_people(file, categories)`` never saves anything: it returns the good rows and, for
every bad one, its line number in the file and the reasons, so staff see a preview and
confirm. Saving the confirmed rows is ``services.import_roster`` / ``import_guests``.

Columns are found by their header (Russian, Kazakh or English; case and spaces ignored):
name (required), organisation, category, contact, consent. Line 1 is the header; the first
person is on line 2, as the spreadsheet numbers its rows.
"""

import csv
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from ozgeris.uploads import XLSX, validate_upload

MAX_ROWS = 5000
MAX_LENGTHS = {"name": 200, "organisation": 255, "contact": 200}

HEADERS = {
    "name": {"name", "фио", "имя", "ф.и.о.", "аты-жөні", "full name", "участник"},
    "organisation": {"organisation", "organization", "организация", "ұйым"},
    "category": {"category", "категория", "санат"},
    "contact": {"contact", "контакт", "контакты", "байланыс", "email", "телефон"},
    "consent": {"consent", "согласие", "келісім"},
}
# How people write the categories in a sign-in sheet, whatever the UI language.
ALIASES = {
    "нпо": "ngo", "нко": "ngo", "үеұ": "ngo", "ngo": "ngo",
    "социальный предприниматель": "social_entrepreneur", "сп": "social_entrepreneur",
    "әлеуметтік кәсіпкер": "social_entrepreneur",
    "молодежь": "youth", "жастар": "youth", "студент": "youth",
    "другое": "other", "басқа": "other",
    "госорган": "government", "государственный орган": "government",
    "мемлекеттік орган": "government",
    "международная организация": "international", "халықаралық ұйым": "international",
    "бизнес": "business", "сми": "media", "бақ": "media",
}
YES = {"да", "yes", "y", "1", "true", "+", "иә", "ия", "x", "х"}
NO = {"нет", "no", "n", "0", "false", "-", "жоқ", ""}


class UnreadableFile(ValidationError):
    """The file as a whole cannot be read (wrong type, damaged, no name column)."""


@dataclass
class Preview:
    rows: list = field(default_factory=list)  # [{"line", "name", "organisation", ...}]
    errors: list = field(default_factory=list)  # [(line, [reasons])]


def _clean(value):
    if value is None:
        return ""
    return " ".join(str(value).split())


def _tables_from_csv(data):
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
        return list(reader)
    except csv.Error as exc:  # its message is in English: the line number says where
        raise UnreadableFile(_("The CSV file cannot be read: reading stopped at line "
                               "%(line)d (a cell too long, or a quotation mark left open above "
                               "it); save it again from the spreadsheet.")
                             % {"line": reader.line_num}) from exc


def _tables_from_xlsx(file):
    try:
        validate_upload(file, allowed=(XLSX,))
    except ValidationError as exc:
        raise UnreadableFile(exc.messages[0]) from exc
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = [list(row) for _index, row in zip(range(MAX_ROWS + 2), sheet.iter_rows(
            values_only=True), strict=False)]
        workbook.close()
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise UnreadableFile(_("The Excel workbook is damaged and cannot be read.")) from exc
    return rows


def _columns(header):
    found = {}
    for index, label in enumerate(header):
        key = _clean(label).lower().rstrip(":*")
        for column, names in HEADERS.items():
            if key in names and column not in found:
                found[column] = index
    if "name" not in found:
        raise UnreadableFile(_("The first row must name the columns; a “name” column (ФИО) is "
                             "required."))
    return found


def _category(value, categories):
    """The category code for ``value``: a code, a label of ``categories`` in any of the
    portal's languages, or a usual Russian or Kazakh name (``ALIASES``); any case."""
    text = _clean(value).lower().replace("ё", "е")
    if not text:
        return "other", None
    codes = dict(categories)
    if text in codes:
        return text, None
    if ALIASES.get(text) in codes:
        return ALIASES[text], None
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code, label in categories:
                if text == str(label).lower().replace("ё", "е"):
                    return code, None
    return None, _("unknown category “%(value)s”") % {"value": _clean(value)}


def _consent(value):
    text = _clean(value).lower()
    if text in YES:
        return True, None
    if text in NO:
        return False, None
    return None, _("consent must be yes or no, not “%(value)s”") % {"value": _clean(value)}


def read_people(file, categories, existing=()):
    """Check every row of ``file`` (an uploaded XLSX or CSV). ``categories`` are the allowed
    (code, label) pairs; ``existing`` the (name, organisation) pairs already recorded.
    Raises UnreadableFile when the file as a whole is unreadable."""
    name = (getattr(file, "name", "") or "").lower()
    if name.endswith(".csv"):
        file.seek(0)
        table = _tables_from_csv(file.read())
    else:
        table = _tables_from_xlsx(file)
    if not table:
        raise UnreadableFile(_("The file is empty."))
    if len(table) > MAX_ROWS + 1:
        raise UnreadableFile(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS})
    columns = _columns(table[0])
    seen = {(_clean(n).lower(), _clean(o).lower()) for n, o in existing}
    preview = Preview()
    for line, raw in enumerate(table[1:], start=2):
        cells = {column: (raw[index] if index < len(raw) else None)
                 for column, index in columns.items()}
        if not any(_clean(value) for value in raw):
            continue
        reasons = []
        row = {"line": line}
        for column, label in ((("name", _("name")), ("organisation", _("organisation")),
                               ("contact", _("contact")))):
            row[column] = _clean(cells.get(column))
            if len(row[column]) > MAX_LENGTHS[column]:
                reasons.append(_("the %(column)s is longer than %(max)d characters")
                               % {"column": label, "max": MAX_LENGTHS[column]})
        if not row["name"]:
            reasons.append(_("no name"))
        row["category"], problem = _category(cells.get("category"), categories)
        reasons += [problem] if problem else []
        row["consent"], problem = _consent(cells.get("consent"))
        reasons += [problem] if problem else []
        key = (row["name"].lower(), row["organisation"].lower())
        if row["name"] and key in seen:
            reasons.append(_("the same person is already on the list"))
        if reasons:
            preview.errors.append((line, reasons))
        else:
            seen.add(key)
            preview.rows.append(row)
    return preview
