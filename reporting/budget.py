"""The grant's budget execution: planned against spent per budget line, the prizes paid, the
totals; issued versions freeze it; staff keep the lines in the admin or import them.

Reading: ``budget_of(programme, version=None, cache=None)`` is what the report and the XLSX
print. A line's amount spent is typed, or read from the registered indicator source it names
(the prizes line reads ``events.prizes_paid``: what the winners' contracts record as paid),
so the report never counts by itself. An issued version prints what ``frozen(...)`` stored.

Import: ``read_budget(file)`` checks an XLSX or CSV file (read by ``ozgeris.tabular``: its
type by content, formulas refused, every row's problems with its line number) without
saving; ``import_budget`` records the confirmed rows. Columns are found by their header in
Russian, Kazakh or English.
"""

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from ozgeris import audit
from ozgeris.models import localized_property
from ozgeris.registries import indicator_sources
from ozgeris.tabular import Formula, Preview, UnreadableFile, has_formula, read_table
from ozgeris.tabular import clean as _clean

from .models import BudgetLine, Grant
from .services import source_value

# The indicator source of the prize money paid (the winners' contracts).
PRIZES_SOURCE = "events.prizes_paid"
TEXT_FIELDS = ("title_ru", "title_kk", "title_en", "note_ru", "note_kk", "note_en")


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


@dataclass
class LineFigures:
    """One budget line as the report prints it (live, or as an issued version froze it)."""

    number: int
    planned: int
    spent: int | None  # None: its source gives no figure
    spent_source: str = ""
    illustrative: bool = False
    title_ru: str = ""
    title_kk: str = ""
    title_en: str = ""
    note_ru: str = ""
    note_kk: str = ""
    note_en: str = ""

    title = localized_property("title")
    note = localized_property("note")

    @property
    def balance(self):
        return None if self.spent is None else self.planned - self.spent


@dataclass
class Budget:
    grant_amount: int | None
    prizes_paid: int | None
    lines: list = field(default_factory=list)

    @property
    def planned_total(self):
        return sum(line.planned for line in self.lines)

    @property
    def spent_total(self):
        return sum(line.spent or 0 for line in self.lines)

    @property
    def balance(self):
        """What of the grant is not spent (None without a grant)."""
        return None if self.grant_amount is None else self.grant_amount - self.spent_total

    @property
    def illustrative(self):
        return any(line.illustrative for line in self.lines)

    def as_json(self):
        return {"grant_amount": self.grant_amount, "prizes_paid": self.prizes_paid,
                "lines": [asdict(line) for line in self.lines]}

    @classmethod
    def from_json(cls, data):
        return cls(data.get("grant_amount"), data.get("prizes_paid"),
                   [LineFigures(**line) for line in data.get("lines", [])])


def _amount(value):
    return None if value is None or isinstance(value, bool) else int(value)


def budget_of(programme, *, version=None, cache=None):
    """The budget's figures now, or as ``version`` froze them (a version issued before
    budgets were frozen reads the data as it is now)."""
    if version is not None and version.budget:
        return Budget.from_json(version.budget)
    cache = {} if cache is None else cache
    grant = Grant.objects.filter(programme=programme).only("amount").first()
    lines = [
        LineFigures(
            number=line.number, planned=line.planned,
            spent=(_amount(source_value(line.spent_source, programme, cache))
                   if line.spent_source else line.spent),
            spent_source=line.spent_source, illustrative=line.illustrative,
            **{name: getattr(line, name) for name in TEXT_FIELDS})
        for line in BudgetLine.objects.filter(programme=programme)]
    prizes = _amount(source_value(PRIZES_SOURCE, programme, cache))
    return Budget(grant.amount if grant else None, prizes, lines)


def frozen(programme, cache=None):
    """The budget as an issued version keeps it (JSON)."""
    return budget_of(programme, cache=cache).as_json()


# ---------------------------------------------------------------------------
# Changes (the admin calls these)
# ---------------------------------------------------------------------------


def save_line(*, line, by, changed=()):
    """Save a budget line typed in the admin. Side effects: the line, an audit entry
    ``report.budget_line`` with the amounts (money in a donor's report is traced)."""
    with transaction.atomic():
        created = line.pk is None
        line.full_clean()
        line.save()
        audit.record(by, "report.budget_line", line, created=created, changed=list(changed),
                     planned=line.planned, spent=line.spent, source=line.spent_source)
    return line


def delete_line(*, line, by):
    """Remove a budget line. Side effects: the deletion, an audit entry."""
    with transaction.atomic():
        audit.record(by, "report.budget_line_deleted", line.programme, number=line.number,
                     title=line.title_ru, planned=line.planned, spent=line.spent)
        line.delete()


def import_budget(*, programme, rows, by):
    """Record the confirmed rows of ``read_budget`` as ``programme``'s budget: a line whose
    number exists is updated, the others are created; lines absent from the file stay.
    Side effects: the lines, one audit entry ``report.budget_imported``. Returns the count."""
    with transaction.atomic():
        existing = {line.number: line for line in
                    BudgetLine.objects.select_for_update().filter(programme=programme)}
        for row in rows:
            line = existing.get(row["number"]) or BudgetLine(programme=programme,
                                                             number=row["number"])
            for name in ("planned", "spent", "spent_source", *TEXT_FIELDS):
                if name in row:
                    setattr(line, name, row[name])
            line.full_clean()
            line.save()
        audit.record(by, "report.budget_imported", programme,
                     numbers=[row["number"] for row in rows])
    return len(rows)


# ---------------------------------------------------------------------------
# Import: reading a file into checked rows
# ---------------------------------------------------------------------------

MAX_ROWS = 500
HEADERS = {
    "number": {"number", "no", "№", "№ п/п", "номер", "нөмір", "line"},
    "title_ru": {"title", "title (russian)", "budget line", "item", "статья", "статья расходов",
                 "наименование", "название", "бап", "шығыс бабы", "атауы"},
    "title_kk": {"title (kazakh)", "статья (казахский)", "название (казахский)",
                 "атауы (қазақша)"},
    "title_en": {"title (english)", "статья (английский)", "название (английский)",
                 "атауы (ағылшынша)"},
    "planned": {"planned", "budget", "план", "запланировано", "бюджет", "жоспар",
                "жоспарланған"},
    "spent": {"spent", "actual", "факт", "израсходовано", "потрачено", "жұмсалды",
              "жұмсалған", "нақты"},
    "spent_source": {"source", "source of spent", "источник", "дереккөз"},
    "note_ru": {"note", "note (russian)", "примечание", "ескертпе"},
    "note_kk": {"note (kazakh)", "примечание (казахский)", "ескертпе (қазақша)"},
    "note_en": {"note (english)", "примечание (английский)", "ескертпе (ағылшынша)"},
}
REQUIRED = ("number", "title_ru", "planned")
# Header decorations people add: a currency, a colon, a required-field star.
_HEADER_NOISE = re.compile(r"(,\s*)?(₸|тг\.?|тенге|теңге|tenge|kzt)(?!\w)|[:*]",
                           re.IGNORECASE)
_MONEY_NOISE = re.compile(r"[\s\u00a0\u202f']|₸|тг\.?|тенге|теңге|kzt", re.IGNORECASE)
_MAX_LENGTHS = {"title_ru": 300, "title_kk": 300, "title_en": 300, "spent_source": 100}


def _columns(header):
    found = {}
    for index, label in enumerate(header):
        if isinstance(label, Formula):
            continue
        key = _clean(_HEADER_NOISE.sub(" ", _clean(label).lower())).rstrip(",")
        for column, names in HEADERS.items():
            if (key in names or key == column) and column not in found:
                found[column] = index
    missing = [name for name in REQUIRED if name not in found]
    if missing or ("spent" not in found and "spent_source" not in found):
        raise UnreadableFile(_("The first row must name the columns: number, title, planned, "
                               "and spent (or the source of the amount spent)."))
    return found


def _money(value, label):
    """(amount in whole tenge, problem)."""
    if value is None or value == "":
        return None, None
    if isinstance(value, bool):
        return None, _("the %(column)s is not an amount") % {"column": label}
    try:
        amount = Decimal(value) if isinstance(value, int | float) else Decimal(
            _MONEY_NOISE.sub("", str(value)).replace(",", "."))
    except InvalidOperation:
        return None, _("the %(column)s “%(value)s” is not an amount in tenge") % {
            "column": label, "value": _clean(value)}
    if not amount.is_finite() or amount != amount.to_integral_value():
        return None, _("the %(column)s must be whole tenge") % {"column": label}
    if amount < 0 or amount >= 10**15:
        return None, _("the %(column)s must be between 0 and a thousand trillion tenge") % {
            "column": label}
    return int(amount), None


def _number(value):
    amount, problem = _money(value, _("number"))
    if problem or amount is None or not 1 <= amount <= 32767:
        return None, _("the line number must be a whole number from 1 to 32767")
    return amount, None


def _check_row(cells, seen):
    """(row, reasons) of one line of the file."""
    if has_formula(cells.values()):
        return None, [_("a cell holds a formula; paste its value instead")]
    reasons, row = [], {}
    row["number"], problem = _number(cells.get("number"))
    reasons += [problem] if problem else []
    if row["number"] is not None and row["number"] in seen:
        reasons.append(_("line number %(number)d appears twice in the file")
                       % {"number": row["number"]})
    for name in (*TEXT_FIELDS, "spent_source"):
        if name in cells:
            # A title is one line; a note keeps its line breaks.
            text = "" if cells[name] is None else str(cells[name]).strip()
            row[name] = text if name.startswith("note") else _clean(text)
            if len(row[name]) > _MAX_LENGTHS.get(name, 5000):
                reasons.append(_("a text is longer than %(max)d characters")
                               % {"max": _MAX_LENGTHS.get(name, 5000)})
    row.setdefault("spent_source", "")
    if not row.get("title_ru"):
        reasons.append(_("no title"))
    row["planned"], problem = _money(cells.get("planned"), _("planned amount"))
    reasons += [problem] if problem else []
    if row["planned"] is None and not problem:
        reasons.append(_("no planned amount"))
    row["spent"], problem = _money(cells.get("spent"), _("amount spent"))
    reasons += [problem] if problem else []
    source = row["spent_source"]
    if source and source not in indicator_sources.names():
        reasons.append(_("“%(source)s” is not a known source") % {"source": source})
    elif source and row["spent"] is not None:
        reasons.append(_("give the amount spent or its source, not both"))
    elif not source and row["spent"] is None and not problem:
        reasons.append(_("no amount spent (type 0 if nothing was spent)"))
    return row, reasons


def read_budget(file):
    """Check every row of ``file`` (an uploaded XLSX or CSV) and return a ``Preview``; saves
    nothing. Raises UnreadableFile when the file as a whole cannot be read. Line numbers are
    the spreadsheet's (the header is line 1)."""
    table = read_table(file, max_rows=MAX_ROWS)
    columns = _columns(table.header)
    preview, seen = Preview(), set()
    for line, raw in table.rows:
        cells = {name: (raw[index] if index < len(raw) else None)
                 for name, index in columns.items()}
        row, reasons = _check_row(cells, seen)
        if reasons:
            preview.errors.append((line, reasons))
        else:
            seen.add(row["number"])
            preview.rows.append({"line": line, **row})
    return preview
