"""Open data (/open/): the datasets the apps registered (``registries.open_datasets``) written
as CSV and JSON under CC BY 4.0, with a Frictionless Table Schema each.

The rows come from each app's own functions (the registry's page, the vote's results, the
issued report's frozen figures), never counted here. A file exists only while its data is
public: ``is_public`` is asked on every request, before the cache, so a withdrawn release
answers 404 at once. The bytes are cached per dataset, edition, format and the dataset's data
version (``version``) for a few minutes, and carry an ETag.

The files are the same in every language: titles come as ``_ru``, ``_kk`` and ``_en`` columns;
only the schema's descriptions follow the reader's language.

CSV is UTF-8 with a byte-order mark (so Excel reads Cyrillic), comma-separated with a header
row of the schema's names; ``true``/``false``, ISO 8601 times in UTC, arrays as JSON arrays
(the Frictionless rule). A text cell that a spreadsheet would read as a formula (starting with
``= + - @``, a tab or a carriage return) is prefixed with an apostrophe. JSON keeps the text
as it is, with numbers, booleans, nulls and arrays typed.
"""

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import Programme
from .registries import open_datasets, ordered
from .xlsx import FORMULA_TRIGGERS

LICENCE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
CACHE_SECONDS = 300
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
LANGUAGES = ("ru", "kk", "en")
# The schema's types, as the page names them.
TYPES = {
    "string": _("text"),
    "integer": _("whole number"),
    "number": _("decimal number"),
    "boolean": _("true or false"),
    "datetime": _("date and time, UTC (ISO 8601)"),
    "array": _("list (a JSON array)"),
}
# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
CSV_FORMULA_TRIGGERS = (*FORMULA_TRIGGERS, "\r")


@dataclass(frozen=True)
class OpenFile:
    filename: str
    content_type: str
    content: bytes
    etag: str


def in_languages(text):
    """``{"ru": …, "kk": …, "en": …}``: a translatable label (a lazy string, a choice's label)
    in each of the portal's languages, for a file that is the same in every language."""
    result = {}
    for language in LANGUAGES:
        with translation.override(language):
            result[language] = str(text)
    return result


def datasets():
    return ordered(open_datasets)


def dataset(name):
    return open_datasets.get(name)


def published_programmes():
    return Programme.objects.filter(is_published=True).order_by("-year")


def filename(dataset, programme, fmt):
    stem = dataset.name if programme is None else f"{dataset.name}-{programme.year}"
    return f"{stem}.{fmt}"


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


def _utc(value):
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def json_value(value, field):
    """``value`` typed as the schema's ``field`` says, for JSON. None and the empty text are
    null, as an empty CSV cell is (the schema's ``missingValues``)."""
    if value is None or value == "":
        return None
    if field.type == "integer":
        return int(value)
    if field.type == "number":
        value = Decimal(str(value))
        return int(value) if value == value.to_integral_value() else float(value)
    if field.type == "boolean":
        return bool(value)
    if field.type == "datetime":
        return _utc(value) if isinstance(value, datetime) else str(value)
    if field.type == "array":
        return [item.isoformat() if isinstance(item, date) else item for item in value]
    return str(value)


def safe_csv_text(text):
    """Text a spreadsheet will not run: an apostrophe before a leading formula character."""
    return f"'{text}" if text.startswith(CSV_FORMULA_TRIGGERS) else text


def csv_value(value, field):
    value = json_value(value, field)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return safe_csv_text(value)
    return str(value)


def _checked(dataset, rows):
    """The rows, each with exactly the schema's columns (a programming error otherwise)."""
    names = [field.name for field in dataset.schema]
    expected = set(names)
    for row in rows:
        if set(row) != expected:
            raise ValueError(f"open dataset {dataset.name!r}: a row's columns "
                             f"{sorted(set(row) ^ expected)} differ from its schema")
        yield row


def csv_bytes(dataset, rows):
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([field.name for field in dataset.schema])
    for row in _checked(dataset, rows):
        writer.writerow([csv_value(row[field.name], field) for field in dataset.schema])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def json_bytes(dataset, programme, rows):
    document = {
        "dataset": dataset.name,
        "edition": programme.year if programme is not None else None,
        "licence": LICENCE,
        "schema": [field.name for field in dataset.schema],
        "rows": [{field.name: json_value(row[field.name], field) for field in dataset.schema}
                 for row in _checked(dataset, rows)],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


def is_public(dataset, programme):
    return bool(dataset.is_public(programme))


def open_file(dataset, programme, fmt):
    """The dataset's file for ``programme`` (None for a dataset that is not per edition) in
    ``fmt``, or None while its data is not public. Cached per data version."""
    if fmt not in CONTENT_TYPES or not is_public(dataset, programme):
        return None
    version = dataset.version(programme) if dataset.version else ""
    year = programme.year if programme is not None else "all"
    digest = hashlib.sha256(str(version).encode()).hexdigest()[:16]
    key = f"open-data:{dataset.name}:{year}:{fmt}:{digest}"
    found = cache.get(key)
    if found is not None:
        return found
    rows = dataset.rows(programme)
    content = csv_bytes(dataset, rows) if fmt == "csv" else json_bytes(dataset, programme, rows)
    made = OpenFile(filename(dataset, programme, fmt), CONTENT_TYPES[fmt], content,
                    f'"{hashlib.sha256(content).hexdigest()[:32]}"')
    cache.set(key, made, CACHE_SECONDS)
    return made


def table_schema(dataset):
    """The dataset's Frictionless Table Schema with its title, description and licence (the
    descriptions in the active language)."""
    return {
        "name": dataset.name,
        "title": str(dataset.title),
        "description": str(dataset.description),
        "licenses": [LICENCE],
        "format": ["csv", "json"],
        "encoding": "utf-8",
        "schema": {
            "fields": [
                {"name": field.name, "type": field.type, "description": str(field.description),
                 **({"constraints": {"required": True}} if field.required else {})}
                for field in dataset.schema
            ],
            "missingValues": [""],
        },
    }


@dataclass
class Edition:
    year: object  # None for a dataset that is not per edition
    public: bool


def catalogue():
    """Every dataset with its columns, its editions (newest first) and whether each one's
    data is public."""
    programmes = list(published_programmes())
    entries = []
    for item in datasets():
        if item.per_edition:
            editions = [Edition(p.year, is_public(item, p)) for p in programmes]
        else:
            editions = [Edition(None, is_public(item, None))]
        fields = [{"field": field, "type_label": TYPES[field.type]} for field in item.schema]
        entries.append({"dataset": item, "editions": editions, "fields": fields})
    return entries
