"""The ``applications`` exporter and the formula-safe XLSX helper it writes with."""

import io
from datetime import date, datetime
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

import applications.exporters  # noqa: F401  (registers the exporter)
from applications.models import (
    Application,
    ApplicationDocument,
    DocumentKind,
    LegalForm,
    Organisation,
    Status,
)
from applications.validators import bin_checksum_ok
from ozgeris import registries
from ozgeris.models import Region
from ozgeris.xlsx import safe_text, workbook_bytes

ALMATY = ZoneInfo("Asia/Almaty")
FORMULA_LIKE = ['=HYPERLINK("http://evil")', "+7 701 123 45 67", "@SUM(A1)", "-2+3"]
_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def with_check_digit(first_eleven):
    """The BIN ending in the right check digit, or None where no digit fits."""
    digits = [int(ch) for ch in first_eleven]
    control = sum(d * w for d, w in zip(digits, range(1, 12), strict=True)) % 11
    if control == 10:
        control = sum(d * w for d, w in zip(digits, _SECOND_WEIGHTS, strict=True)) % 11
        if control == 10:
            return None
    return f"{first_eleven}{control}"


# Leading zeros on purpose: a BIN must come back as text, not as a number.
_serials = count(1)


def next_bin():
    while True:
        bin_ = with_check_digit(f"0990{next(_serials):07d}")
        if bin_:
            return bin_


def make_application(programme, *, name="ОФ «Шапағат»", status=Status.SUBMITTED,
                     project_title="Швейный цех", nomination=None, documents=(), **fields):
    organisation = Organisation.objects.create(
        name=name, legal_form=LegalForm.OF, bin=next_bin(),
        region=Region.objects.get(code="abai"), city="Семей", contact_person="Айгерим",
        contact_email="info@example.kz", phone="+7 701 000 00 00", year_founded=2012,
    )
    application = Application.objects.create(
        programme=programme, organisation=organisation,
        nomination=nomination or programme.nominations.filter(kind="ngo").first(),
        status=status, project_title=project_title,
        submitted_at=None if status == Status.DRAFT else datetime(2019, 9, 20, 10, 30,
                                                                  tzinfo=ALMATY),
        financial_year=2018, total_income=10_000_000, entrepreneurial_income=2_500_000,
        income_share=Decimal("25.00"), income_share_threshold=Decimal("20.00"),
        passes_80_20=True, **fields,
    )
    for kind in documents:
        ApplicationDocument.objects.create(
            application=application, kind=kind, file=f"applications/2019/{kind}.pdf",
            original_name=f"{kind}.pdf", content_type="application/pdf", size=100,
        )
    return application


def export(tmp_path, language="en"):
    """Run the export command; return the header and the rows (cells), keyed by BIN."""
    target = tmp_path / "applications.xlsx"
    out = io.StringIO()
    call_command("export", "applications", "--programme", "2019", "--output", str(target),
                 "--language", language, stdout=out)
    assert "applications-2019.xlsx" in out.getvalue()
    sheet = load_workbook(target).active
    header, *rows = sheet.iter_rows()
    labels = [cell.value for cell in header]
    by_bin = {row[BIN_COLUMN].value: row for row in rows}
    return labels, by_bin


BIN_COLUMN = 3


def cell(labels, row, column):
    return row[labels.index(column)]


# ---------------------------------------------------------------------------
# The exporter
# ---------------------------------------------------------------------------


def test_bin_helper_makes_valid_numbers():
    assert all(bin_checksum_ok(next_bin()) for _ in range(50))


def test_the_exporter_is_registered():
    exporter = registries.exporters.get("applications")

    assert exporter.formats == ("xlsx",)
    with translation.override("en"):
        assert str(exporter.title) == "Applications"


@pytest.mark.django_db
def test_export_has_one_row_per_submitted_application(demo_programme, tmp_path):
    shown = [make_application(demo_programme, name=f"Org {status}", status=status)
             for status in (Status.SUBMITTED, Status.SCREENED, Status.FAILED_80_20, Status.WINNER)]
    hidden = [make_application(demo_programme, name=f"Org {status}", status=status)
              for status in (Status.DRAFT, Status.WITHDRAWN)]

    _labels, rows = export(tmp_path)

    assert {a.organisation.bin for a in shown} <= rows.keys()
    assert not {a.organisation.bin for a in hidden} & rows.keys()


@pytest.mark.django_db
def test_export_writes_the_applications_figures_in_the_chosen_language(demo_programme,
                                                                      tmp_path):
    application = make_application(
        demo_programme, documents=[DocumentKind.BALANCE_SHEET, DocumentKind.TAX_CERTIFICATE,
                                   DocumentKind.OTHER],
    )

    labels, rows = export(tmp_path, language="en")
    row = rows[application.organisation.bin]

    values = {label: cell.value for label, cell in zip(labels, row, strict=True)}
    assert values == {
        "No.": values["No."],
        "Organisation": "ОФ «Шапағат»",
        "Legal form": "Public foundation (ОФ)",
        "BIN": application.organisation.bin,
        "Region": "Abai Region",
        "City": "Семей",
        "Nomination": application.nomination.title_en,
        "Project title": "Швейный цех",
        "Financial year": 2018,
        "Total income, ₸": 10_000_000,
        "Entrepreneurial income, ₸": 2_500_000,
        "Share of entrepreneurial income, %": 25,
        "80/20 rule met": "yes",
        "Status": "submitted",
        "Submitted at": datetime(2019, 9, 20, 10, 30),
        "Balance sheet (income and expenses)": "yes",
        "Certificate of no tax debt": "yes",
        "Certificate of no creditor debt": "no",
    }
    assert isinstance(values["No."], int)


@pytest.mark.django_db
def test_export_keeps_the_bin_as_text_with_its_leading_zero(demo_programme, tmp_path):
    application = make_application(demo_programme)

    labels, rows = export(tmp_path)
    bin_cell = cell(labels, rows[application.organisation.bin], "BIN")

    assert application.organisation.bin.startswith("0")
    assert (bin_cell.data_type, bin_cell.value) == ("s", application.organisation.bin)


@pytest.mark.django_db
def test_export_keeps_kazakh_letters(demo_programme, tmp_path):
    kazakh = "Әлеуметтік кәсіпкерлік: ә ғ қ ң ө ұ ү һ і Ә Ғ Қ Ң Ө Ұ Ү Һ І"
    application = make_application(demo_programme, name=kazakh, project_title=kazakh)

    english, _rows = export(tmp_path, language="en")
    labels, rows = export(tmp_path, language="kk")
    row = rows[application.organisation.bin]

    assert labels != english  # the headers are in Kazakh
    assert row[english.index("Organisation")].value == kazakh
    assert row[english.index("Project title")].value == kazakh


@pytest.mark.django_db
@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_export_writes_formula_like_text_as_a_string(demo_programme, tmp_path, text):
    application = make_application(demo_programme, name=text, project_title=text)

    labels, rows = export(tmp_path)
    row = rows[application.organisation.bin]

    for column in ("Organisation", "Project title"):
        written = cell(labels, row, column)
        assert (written.data_type, written.value) == ("s", text)


@pytest.mark.django_db
def test_export_orders_by_nomination_then_organisation(demo_programme, tmp_path):
    first, second = demo_programme.nominations.filter(kind="ngo").order_by("order")[:2]
    made = [
        make_application(demo_programme, name="Б", nomination=second),
        make_application(demo_programme, name="Б", nomination=first),
        make_application(demo_programme, name="А", nomination=second),
        make_application(demo_programme, name="А", nomination=first),
    ]

    labels, rows = export(tmp_path)
    mine = {a.organisation.bin for a in made}
    order = [(cell(labels, row, "Nomination").value, cell(labels, row, "Organisation").value)
             for bin_, row in rows.items() if bin_ in mine]

    assert order == [(first.title_en, "А"), (first.title_en, "Б"),
                     (second.title_en, "А"), (second.title_en, "Б")]


@pytest.mark.django_db
def test_export_queries_do_not_grow_with_the_applications(demo_programme, tmp_path):
    kinds = [DocumentKind.BALANCE_SHEET, DocumentKind.CREDITOR_CERTIFICATE]
    make_application(demo_programme, documents=kinds)
    with CaptureQueriesContext(connection) as one:
        export(tmp_path)
    for _ in range(4):
        make_application(demo_programme, documents=kinds)
    with CaptureQueriesContext(connection) as five:
        export(tmp_path)

    assert len(five) == len(one)


@pytest.mark.django_db
def test_export_reports_progress_to_the_end(demo_programme):
    for _ in range(3):
        make_application(demo_programme)
    total = Application.objects.submitted().filter(programme=demo_programme).count()
    calls = []

    filename, content_type, content = registries.exporters.get("applications").render(
        demo_programme, {}, lambda done, of, message="": calls.append((done, of)))

    assert filename == "applications-2019.xlsx"
    assert content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert content.startswith(b"PK")
    assert calls[0] == (0, total)
    assert calls[-1] == (total, total)


# ---------------------------------------------------------------------------
# ozgeris.xlsx
# ---------------------------------------------------------------------------


def read_back(content):
    return load_workbook(io.BytesIO(content)).active


@pytest.mark.parametrize("text", [*FORMULA_LIKE, "\tTAB", "#N/A", "=1"])
def test_workbook_writes_text_as_a_string_cell_unchanged(text):
    sheet = read_back(workbook_bytes([("Sheet", ["Text"], [[text]])]))

    assert (sheet["A2"].data_type, sheet["A2"].value) == ("s", text)


@pytest.mark.parametrize("text", [*FORMULA_LIKE, "\tTAB"])
def test_workbook_quotes_formula_like_text_so_editing_it_keeps_it_text(text):
    sheet = read_back(workbook_bytes([("Sheet", ["Text"], [[text]])]))

    assert sheet["A2"].quotePrefix


@pytest.mark.django_db
def test_workbook_keeps_numbers_and_dates_and_shows_almaty_time():
    submitted = datetime(2019, 9, 20, 4, 30, tzinfo=ZoneInfo("UTC"))
    row = [7, 18_950_000, Decimal("23.45"), date(2019, 11, 15), submitted, True, None]

    sheet = read_back(workbook_bytes([("Sheet", list("ABCDEFG"), [row])]))

    values = [cell.value for cell in sheet[2]]
    assert values[:3] == [7, 18_950_000, 23.45]
    assert [cell.data_type for cell in sheet[2]][:3] == ["n", "n", "n"]
    assert values[3] == datetime(2019, 11, 15)
    assert sheet["D2"].is_date
    assert values[4] == submitted.astimezone(ZoneInfo("Asia/Almaty")).replace(tzinfo=None)
    assert values[5:] == [True, None]


def test_workbook_has_a_bold_frozen_header_and_streams_several_sheets():
    rows = ([number, f"row {number}"] for number in range(1, 1001))

    book = load_workbook(io.BytesIO(workbook_bytes([
        ("Numbers/2019", ["No.", "Text"], rows),
        ("Empty", ["Nothing"], []),
    ])))

    numbers, empty = book.worksheets
    assert (numbers.title, empty.title) == ("Numbers 2019", "Empty")
    assert numbers.freeze_panes == "A2"
    assert numbers["A1"].font.b
    assert numbers.max_row == 1001
    assert [cell.value for cell in numbers[1001]] == [1000, "row 1000"]
    assert [cell.value for cell in empty[1]] == ["Nothing"]


def test_workbook_writes_line_ends_as_excel_line_breaks():
    sheet = read_back(workbook_bytes([("Sheet", ["Text"], [["\rCR"], ["one\r\ntwo\rthree"]])]))

    assert (sheet["A2"].data_type, sheet["A2"].value) == ("s", "\nCR")
    assert sheet["A3"].value == "one\ntwo\nthree"


def test_safe_text_drops_characters_a_workbook_cannot_hold():
    assert safe_text("a\x00b\x07c\td") == "abc\td"
    assert safe_text(None) == ""
    assert safe_text(2019) == "2019"
