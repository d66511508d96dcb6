"""The report's XLSX companion on the 2019 demo: one sheet per dataset and each dataset
once, unique sheet names, numbers as numbers and dates as dates, no totals inside a data
range, headers and sheet names in the report's language, the staff's notes only in a draft,
the illustrative figures said so."""

import io
import re

import pytest
from django.utils import translation
from openpyxl import load_workbook

from ozgeris.registries import exporters
from reporting.services import issue

pytestmark = pytest.mark.django_db

CYRILLIC = re.compile("[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")
NUMBER_AS_TEXT = re.compile(r"^-?\d{1,3}([\s\u00a0]\d{3})+$|^-?\d+[.,]\d+$")


def companion(programme, language="ru", options=None):
    with translation.override(language):
        _name, _type, content = exporters.get("report-xlsx").render(programme, options or {},
                                                                    lambda *args: None)
    return load_workbook(io.BytesIO(content))


def rows_of(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def data_range(sheet):
    """The header and the rows under it down to the first blank row."""
    rows = []
    for row in rows_of(sheet):
        if all(value is None for value in row):
            break
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def books(django_db_setup, django_db_blocker):
    from ozgeris.models import Programme

    with django_db_blocker.unblock():
        programme = Programme.objects.get(year=2019)
        return {language: companion(programme, language) for language in ("ru", "en")}


def test_sheet_names_are_unique(books):
    for book in books.values():
        names = [name.casefold() for name in book.sheetnames]
        assert len(names) == len(set(names))


def test_no_dataset_appears_twice(books):
    """Publications used to come four times (one per appendix naming them), videos twice."""
    book = books["en"]
    seen = {}
    for sheet in book.worksheets:
        content = repr(rows_of(sheet))
        assert content not in seen, f"{sheet.title} repeats {seen.get(content)}"
        seen[content] = sheet.title
    assert [name for name in book.sheetnames if name.startswith("Publications")] == [
        "Publications"]
    index = {row[0]: row[2] for row in rows_of(book["Appendices"])[1:]}
    assert all("Publications" in index[number] for number in (1, 2, 4, 5))


def test_numbers_are_numbers(books):
    for book in books.values():
        for sheet in book.worksheets:
            for row in rows_of(sheet)[1:]:
                if sheet is book.worksheets[1]:  # the indicators, after "About this file"
                    row = row[:2] + row[3:]  # the activity's code, "1.1", is a label
                for value in row:
                    assert not (isinstance(value, str) and NUMBER_AS_TEXT.match(value)), (
                        sheet.title, value)
    indicators = rows_of(books["en"]["Indicators"])
    header = indicators[0]
    target, actual = header.index("Target"), header.index("Actual")
    assert all(row[target] is None or isinstance(row[target], int | float)
               for row in indicators[1:])
    assert sum(isinstance(row[actual], int | float) for row in indicators[1:]) >= 25
    budget = rows_of(books["en"]["Budget"])
    assert all(isinstance(value, int) for row in budget[1:] if row[0] for value in row[2:5])


def test_dates_are_dates_and_a_date_without_time_has_no_time(books):
    sheet = books["en"]["Contracts"]
    header = rows_of(sheet)[0]
    signed = header.index("Signed on") + 1
    cells = [sheet.cell(row=row, column=signed) for row in range(2, 17)]
    assert all(cell.is_date for cell in cells)
    assert all("h" not in cell.number_format for cell in cells)


def test_no_totals_inside_a_data_range(books):
    labels = set()
    for language in ("ru", "en"):
        with translation.override(language):
            labels |= {str(translation.gettext(word)).casefold()
                       for word in ("Total", "Grant amount")}
    for book in books.values():
        for sheet in book.worksheets:
            for row in data_range(sheet)[1:]:
                assert not any(isinstance(value, str) and value.casefold() in labels
                               for value in row), (sheet.title, row)
    budget = rows_of(books["en"]["Budget"])
    blank = next(index for index, row in enumerate(budget) if all(v is None for v in row))
    assert "Total" in budget[blank + 1]


def test_headers_and_sheet_names_in_the_reports_language(books):
    book = books["en"]
    assert not [name for name in book.sheetnames if CYRILLIC.search(name)]
    for name in ("Indicators", "Budget", "Appendices"):
        assert not [label for label in rows_of(book[name])[0] if CYRILLIC.search(label)]
    assert books["ru"].sheetnames[:4] == ["Об этом файле", "Индикаторы", "Бюджет", "Приложения"]


def test_the_illustrative_figures_are_said_so(books):
    book = books["en"]
    notes = [row[0] for row in rows_of(book["Illustrative figures"])[1:]]
    assert any("vote" in note for note in notes)
    budget = rows_of(book["Budget"])
    header = budget[0]
    assert "illustrative" in [row[header.index("Illustrative")] for row in budget[1:] if row[0]]


def test_the_staffs_notes_are_in_the_draft_only(demo_programme, staff):
    version = issue(programme=demo_programme, by=staff)

    draft = rows_of(companion(demo_programme, "en")["Indicators"])[0]
    issued = rows_of(companion(demo_programme, "en", {"version": version.number})[
        "Indicators"])[0]

    assert "About the target" in draft
    assert "About the target" not in issued
