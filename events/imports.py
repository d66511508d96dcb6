"""Reading a roster (or a guest list) from an XLSX or CSV file into checked rows (the file
read by ``ozgeris.tabular``: its type by its content, a row with a formula refused).

``read_people(file, categories)`` never saves anything: it returns the good rows and, for
every bad one, its line number in the file and the reasons, so staff see a preview and
confirm. Saving the confirmed rows is ``services.import_roster`` / ``import_guests``.

Columns are found by their header (Russian, Kazakh or English; case and spaces ignored):
name (required), organisation, category, contact, consent. Line 1 is the header; the first
person is on line 2, as the spreadsheet numbers its rows.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from ozgeris.tabular import Preview, UnreadableFile, has_formula, read_table
from ozgeris.tabular import clean as _clean

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
    Raises UnreadableFile (``events.imports.UnreadableFile``, the reader's) when the file as
    a whole is unreadable."""
    table = read_table(file, max_rows=MAX_ROWS)
    columns = _columns(table.header)
    seen = {(_clean(n).lower(), _clean(o).lower()) for n, o in existing}
    preview = Preview()
    for line, raw in table.rows:
        if has_formula(raw):
            preview.errors.append((line, [_("a cell holds a formula; paste its value instead")]))
            continue
        cells = {column: (raw[index] if index < len(raw) else None)
                 for column, index in columns.items()}
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
