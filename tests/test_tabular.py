"""One reader for every import of a table (``ozgeris.tabular``): the budget and the rosters
read a file the same way, its type by its content, a formula never taken for its value, each
row with the spreadsheet's line number."""


import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from events.imports import read_people
from events.models import ParticipantCategory
from ozgeris.tabular import Formula, UnreadableFile, read_table
from reporting.budget import read_budget
from tests.factories import xlsx_upload


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


ROSTER = "ФИО;Организация\nАйжан Серикова;Ellefun\n\nБолат Ахметов;OYLA\n"


def test_rows_keep_the_spreadsheets_line_numbers_and_blank_rows_are_left_out():
    table = read_table(SimpleUploadedFile("people.csv", ROSTER.encode()), max_rows=10)

    assert table.header == ["ФИО", "Организация"]
    assert [line for line, _cells in table.rows] == [2, 4]


def test_a_formula_is_read_as_a_formula_not_as_its_cached_value():
    table = read_table(xlsx_upload([["name"], ["=HYPERLINK(\"http://evil\",\"Айжан\")"]]),
                       max_rows=10)

    assert isinstance(table.rows[0][1][0], Formula)


def test_a_roster_with_a_formula_is_refused_as_the_budget_refuses_it():
    preview = read_people(xlsx_upload([["name"], ["=1+1"], ["Айжан"]]),
                          ParticipantCategory.choices)

    assert preview.errors == [(2, ["a cell holds a formula; paste its value instead"])]
    assert [row["name"] for row in preview.rows] == ["Айжан"]


@pytest.mark.parametrize("read", [
    lambda file: read_people(file, ParticipantCategory.choices),
    read_budget,
])
def test_both_importers_decide_the_type_by_content_not_by_name(read):
    with pytest.raises(UnreadableFile, match="not accepted"):
        read(SimpleUploadedFile("table.csv", b"%PDF-1.7\n1 0 obj\n"))


def test_a_csv_roster_saved_under_an_xlsx_name_is_read():
    preview = read_people(SimpleUploadedFile("roster.xlsx", ROSTER.encode()),
                          ParticipantCategory.choices)

    assert [(row["line"], row["name"]) for row in preview.rows] == [
        (2, "Айжан Серикова"), (4, "Болат Ахметов")]


def test_too_many_rows_are_refused():
    rows = "name\n" + "".join(f"person {index}\n" for index in range(12))
    with pytest.raises(UnreadableFile, match="more than 10 rows"):
        read_table(SimpleUploadedFile("people.csv", rows.encode()), max_rows=10)
