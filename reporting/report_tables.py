"""The report's tables and charts as they print: every cell written by ``ozgeris.formats``,
rows grouped under a heading where the table is a list per nomination, the data sets that
read best as a picture drawn as a chart (with the data in its description) instead of a
table, so that each data set appears once in the PDF."""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy

from ozgeris import formats
from ozgeris.charts import bar_chart
from ozgeris.registries import table_sources

from .models import Activity
from .narrative import RENAMED_TABLES, TABLE

# A title for each table source the report prints; narratives insert tables by name and the
# report prints the rest, in this order, under "The programme in figures".
TITLES = {
    "events.participants_by_city": gettext_lazy("Information meetings by city"),
    "events.followers": gettext_lazy("The award's pages in social networks"),
    "events.letters": gettext_lazy("Letters and answers"),
    "events.publications_by_platform": gettext_lazy("Publications and reach"),
    "applications.by_nomination": gettext_lazy("Applications by nomination"),
    "applications.by_region": gettext_lazy("Applications by region"),
    "jury.results": gettext_lazy("Jury results"),
    "jury.supporting_laureates": gettext_lazy("Laureates of the supporting-organisation "
                                              "nominations"),
    "voting.votes_per_finalist": gettext_lazy("Results of the public vote"),
    "voting.voters_by_age": gettext_lazy("Voters by age bracket"),
    "voting.traffic_sources": gettext_lazy("Traffic sources of the vote's site"),
    "voting.winners_by_nomination": gettext_lazy("Winners"),
    "events.contracts": gettext_lazy("Contracts with the winners"),
}
# Tables listed per nomination: the first column becomes a heading over its rows.
GROUPED = {"jury.results", "voting.votes_per_finalist", "voting.winners_by_nomination"}
# Data sets drawn as a bar chart instead of a table: (label column, value column, share
# column or None). The share is printed beside the label.
CHARTS = {
    "applications.by_nomination": (0, 1, None),
    "voting.voters_by_age": (0, 1, 2),
    "voting.traffic_sources": (0, 1, 2),
}


@dataclass
class Cell:
    text: str
    number: bool = False


@dataclass
class Group:
    heading: str | None
    rows: list = field(default_factory=list)  # lists of Cell


@dataclass
class TableView:
    """One table (or chart) of the report, ready to print."""

    name: str
    title: str
    columns: list
    numeric: list = field(default_factory=list)  # per column: every value a number
    groups: list = field(default_factory=list)
    chart: str = ""  # SVG markup when the data set prints as a chart
    illustrative: object = None  # the note (a localized text) when the figures are illustrative

    @property
    def headers(self):
        """(column, numeric) pairs: a column of numbers has its header aligned with them."""
        return list(zip(self.columns, self.numeric, strict=False))

    def __iter__(self):  # compared whole by the backup drill
        return iter((self.name, [str(column) for column in self.columns],
                     [(group.heading, [[cell.text for cell in row] for row in group.rows])
                      for group in self.groups], str(self.chart)))


def _cells(row):
    return [Cell(formats.figure(value), formats.is_number(value)) for value in row]


def _chart(name, title, rows):
    label, value, share = CHARTS[name]
    items = []
    for row in rows:
        if not formats.is_number(row[value]):
            continue
        text = str(row[label])
        if share is not None and formats.is_number(row[share]):
            text = f"{text} ({formats.percent(row[share])})"
        items.append((text, row[value]))
    return bar_chart(items, title=title, show_title=True, width=480, font_size=9,
                     bar_height=9, value_format=formats.number)


def view(name, columns, rows, *, illustrative=None):
    """``(columns, rows)`` of the table source ``name`` as a TableView."""
    rows = list(rows)
    title = str(TITLES.get(name, ""))
    table = TableView(name, title, [str(column) for column in columns],
                      illustrative=illustrative)
    if name in CHARTS:
        table.chart = _chart(name, title or name, rows)
        return table
    # A column no row fills (the 2019 meetings' dates: the original gives none) is left out
    # rather than printed as a column of dashes.
    kept = [index for index in range(len(columns))
            if not rows or any(row[index] not in (None, "") for row in rows)]
    if len(kept) < len(columns):
        table.columns = [table.columns[index] for index in kept]
        columns = [columns[index] for index in kept]
        rows = [[row[index] for index in kept] for row in rows]
    table.numeric = [bool(rows) and all(formats.is_number(row[index]) or row[index] is None
                                        for row in rows)
                     for index in range(len(columns))]
    if name in GROUPED and columns:
        table.columns, table.numeric = table.columns[1:], table.numeric[1:]
        by_heading = {}
        for row in rows:
            by_heading.setdefault(str(row[0]), []).append(_cells(row[1:]))
        table.groups = [Group(heading, cells) for heading, cells in by_heading.items()]
    else:
        table.groups = [Group(None, [_cells(row) for row in rows])]
    return table


def _key(name, language=None):
    language = (language or translation.get_language() or "ru").split("-")[0]
    return f"table:{language}:{name}"


def data(name, programme, figures=None):
    """``(columns, rows)`` of the table source ``name``: as an issued version froze it (its
    ``figures``), else from the data now. A version issued before a source was renamed froze
    it under its old name (``narrative.RENAMED_TABLES``)."""
    if figures is not None:
        old_names = [old for old, new in RENAMED_TABLES.items() if new == name]
        for key in [_key(name), *(_key(old) for old in old_names)]:
            if key in figures:
                columns, rows = figures[key]
                return columns, rows
    columns, rows = table_sources.get(name)(programme)
    return columns, list(rows)


def _cell(value):
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return formats.figure(value)
    return str(value)


def frozen(programme):
    """Every table the report can print, in each language (their headers and labels are
    translated), as an issued version keeps it: ``{"table:<language>:<name>": [columns,
    rows]}``, dates written dd.mm.yyyy."""
    names = set(TITLES)
    for activity in Activity.objects.filter(task__programme=programme):
        for language, _label in settings.LANGUAGES:
            text = getattr(activity, f"narrative_{language}") or ""
            names.update(match.group("name") for paragraph in re.split(r"\n\s*\n", text)
                         if (match := TABLE.match(paragraph)))
    tables = {}
    for name in sorted(names & set(table_sources.names())):
        for language, _label in settings.LANGUAGES:
            with translation.override(language):
                columns, rows = table_sources.get(name)(programme)
                tables[_key(name, language)] = [[str(column) for column in columns],
                                                [[_cell(value) for value in row]
                                                 for row in rows]]
    return tables
