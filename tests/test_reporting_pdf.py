"""The grant report as the donor reads it (the 2019 demo): one format per language, each
table and chart once, the winners under their nominations, the draft's notes for staff and
the issued version without them, the Russian text standing in for a missing translation
marked, illustrative figures labelled, and the PDF/A-3a structure read back with pikepdf."""

import io
import re
import shutil
import subprocess
from collections import Counter

import pikepdf
import pytest
from django.core.management import CommandError, call_command
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from ozgeris import formats
from ozgeris.registries import indicator_sources, table_sources
from reporting import report, report_tables, services
from reporting.models import Grant, IllustrativeFigure

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


def html(programme, language="ru", version=None):
    with translation.override(language):
        return render_to_string("reporting/pdf/report.html", {
            **report.context(programme, version=version), "pdf_fonts": ""})


def text_of(markup):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup))


def test_a_figure_is_written_one_way_per_language():
    assert formats.number(8.6667, "ru") == "8,67" == formats.number(8.6667, "kk")
    assert formats.number(8.6667, "en") == "8.67"
    assert formats.number(6.8, "ru") == "6,8" and formats.number(6.8, "en") == "6.8"
    assert formats.number(500000, "kk") == f"500{NBSP}000"
    assert formats.number(500000, "en") == "500,000"
    assert formats.number(2.0, "ru") == "2"
    assert formats.figure(162, formats.SECONDS) == "2:42"
    assert formats.figure(3725, formats.SECONDS) == "1:02:05"
    assert formats.figure(18950000, formats.TENGE, "ru") == f"18{NBSP}950{NBSP}000{NBSP}₸"
    assert formats.figure(None) == "—"
    with translation.override("en"):
        assert formats.figure(True) == "yes"


def test_each_table_and_chart_appears_once(demo_programme):
    context = report.context(demo_programme)
    names = [table.name for table in context["tables"]]
    markup = html(demo_programme)

    assert len(names) == len(set(names))  # placed by a narrative, or listed, never both
    assert set(names) == {name for name in report_tables.TITLES if name in table_sources}
    captions = Counter(re.findall(r"<caption>([^<]+)</caption>", markup))
    assert all(count == 1 for count in captions.values()), captions
    charts = re.findall(r'<svg [^>]*class="chart chart-bar"[^>]*aria-label="([^"]+)"', markup)
    assert sorted(charts) == sorted({str(report_tables.TITLES[name])
                                     for name in report_tables.CHARTS})
    # Russian narratives place every table, so no second "programme in figures" section.
    assert context["extra_tables"] == []


def test_the_kazakh_report_lists_once_what_its_narratives_do_not_place(demo_programme):
    with translation.override("kk"):
        context = report.context(demo_programme)
    placed = [block[1].name for section in context["tasks"] for activity in section.activities
              for block in activity.narrative.blocks if block[0] == "table"]
    listed = [table.name for table in context["extra_tables"]]

    assert not set(placed) & set(listed)
    assert sorted(placed + listed) == sorted(table.name for table in context["tables"])


def test_the_winners_are_grouped_by_nomination(demo_programme):
    tables = {table.name: table for table in report.context(demo_programme)["tables"]}
    winners = tables["voting.winners_by_nomination"]
    _columns, rows = table_sources.get("voting.winners_by_nomination")(demo_programme)
    rows = list(rows)

    headings = [group.heading for group in winners.groups]
    assert sorted(headings) == sorted({str(row[0]) for row in rows})  # each nomination once
    assert sum(len(group.rows) for group in winners.groups) == len(rows)
    assert winners.columns[0] != _columns[0]  # the nomination is the heading, not a column
    assert 'scope="colgroup"' in html(demo_programme)


def test_a_column_no_row_fills_is_left_out(demo_programme):
    columns, rows = table_sources.get("events.participants_by_city")(demo_programme)
    empty = [str(column) for index, column in enumerate(columns)
             if all(row[index] is None for row in rows)]
    table = report_tables.view("events.participants_by_city", columns, rows)

    assert table.columns == [str(column) for column in columns if str(column) not in empty]
    assert all("—" not in [cell.text for cell in row] for row in table.groups[0].rows)


def test_the_numbers_of_the_tables_follow_the_language(demo_programme):
    ru, en = html(demo_programme, "ru"), html(demo_programme, "en")

    assert not re.search(r">\d+\.\d{3,}<", ru + en)  # no 8.6667 anywhere
    assert re.search(r">\d,\d{1,2}<", ru) and not re.search(r">\d\.\d{1,2}<", ru)
    assert re.search(r">\d\.\d{1,2}<", en)


def test_the_average_visit_prints_as_minutes_and_seconds(demo_programme):
    seconds = services.source_value("voting.average_seconds_on_site", demo_programme)
    markup = html(demo_programme)

    assert f'<span class="figure">{formats.duration(seconds)}</span>' in markup
    assert f'<span class="figure">{seconds}</span>' not in markup


def test_the_draft_shows_the_staff_notes_and_the_issued_version_none(demo_programme, staff):
    version = services.issue(programme=demo_programme, by=staff)
    draft, issued = html(demo_programme), html(demo_programme, version=version)

    assert 'class="draft-stamp"' in draft and "Черновик" in draft
    assert 'class="staff"' in draft and "events.participants" in draft
    assert "Реконструировано" in draft
    assert "Черновик" not in issued and 'class="staff"' not in issued
    assert "Реконструировано" not in issued
    words = set(re.findall(r"[a-z_]+\.[a-z0-9_]+", text_of(issued)))
    assert not words & (set(indicator_sources.names()) | set(table_sources.names()))
    assert 'class="approval"' in issued and "Утверждено" in issued
    assert 'class="approval"' not in draft


def test_an_issued_version_prints_the_tables_it_froze(demo_programme, staff):
    from events.models import Letter

    version = services.issue(programme=demo_programme, by=staff)
    Letter.objects.filter(programme=demo_programme).delete()

    for language in ("ru", "kk"):
        with translation.override(language):
            issued = {table.name: table for table in report.context(
                demo_programme, version=version)["tables"]}
            now = {table.name: table for table in report.context(demo_programme)["tables"]}
        assert issued["events.letters"].groups[0].rows, language
        assert not now["events.letters"].groups[0].rows
    with translation.override("kk"):  # its headers in the language of the report
        columns, _rows = table_sources.get("events.letters")(demo_programme)
        assert issued["events.letters"].columns == [str(column) for column in columns]


def test_a_kazakh_field_left_empty_prints_the_russian_marked(demo_programme):
    grant = Grant.objects.get(programme=demo_programme)
    Grant.objects.filter(pk=grant.pk).update(donor_kk="", topic_kk="Тақырып")

    markup = html(demo_programme, "kk")

    assert f'<span lang="ru">{grant.donor}</span> <span class="fallback">(орыс тілінде)</span>' \
        in markup
    assert "Тақырып</td>" in markup  # its own text: no mark
    assert "(на русском)" not in html(demo_programme, "ru")


def test_an_illustrative_figure_is_labelled_in_every_language(demo_programme):
    IllustrativeFigure.objects.update_or_create(
        programme=demo_programme, source="voting.winners",
        defaults={"note_ru": "Номинации шести победителей — пример.", "note_kk": "",
                  "note_en": "The nominations of six winners are an example."})
    labels = {"ru": "иллюстративно", "kk": "иллюстрациялық", "en": "illustrative"}
    for language, label in labels.items():
        markup = html(demo_programme, language)
        assert f'<span class="illustrative">{label}</span>' in markup, language
    assert "The nominations of six winners are an example." in html(demo_programme, "en")


def test_the_report_reports_ten_steps_or_more(demo_programme):
    steps = []
    report.context(demo_programme, progress=lambda done, total, message="": steps.append(
        (done, total, str(message))))

    assert len(steps) >= 10
    assert [done for done, _total, _message in steps] == list(range(len(steps)))
    assert {total for _done, total, _message in steps} == {len(steps)}


def test_the_export_command_refuses_a_version_that_does_not_exist(demo_programme, tmp_path):
    with pytest.raises(CommandError, match="no issued version 99"):
        call_command("export", "report", programme=2019, output=str(tmp_path / "r.pdf"),
                     issued=99, stdout=io.StringIO())
    with pytest.raises(CommandError, match="issued versions"):
        call_command("export", "finalists", programme=2019, output=str(tmp_path / "f.xlsx"),
                     issued=1, stdout=io.StringIO())


def test_the_reports_page_offers_each_issued_version(demo_programme, staff, client):
    version = services.issue(programme=demo_programme, by=staff)
    client.force_login(staff)

    page = client.get(reverse("reporting:index")).content.decode()

    assert f'name="version" value="{version.number}"' in page


def _structure(pdf):
    """Every structure element of the tagged PDF, as (type, element)."""
    found, stack = [], [pdf.Root.StructTreeRoot]
    while stack:
        node = stack.pop()
        kids = node.get("/K")
        if kids is None:
            continue
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                found.append((str(kid.S), kid))
                stack.append(kid)
    return found


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs poppler-utils")
def test_the_issued_pdf_is_tagged_pdf_a_3a_with_the_xlsx_and_every_page_renders(
        demo_programme, staff, tmp_path):
    version = services.issue(programme=demo_programme, by=staff)
    path = tmp_path / "report.pdf"
    call_command("export", "report", programme=2019, output=str(path), language="en",
                 issued=version.number, stdout=io.StringIO())

    with pikepdf.open(path) as pdf:
        metadata = pdf.open_metadata()
        assert metadata.pdfa_status == "3A"
        assert str(pdf.Root.Lang) == "en"
        assert pdf.Root.MarkInfo.Marked
        assert "report-2019-v1.xlsx" in pdf.attachments
        elements = _structure(pdf)
        kinds = Counter(kind for kind, _element in elements)
        pages = len(pdf.pages)
    assert kinds["/H1"] >= 5 and kinds["/H2"] >= 5 and kinds["/Table"] >= 10
    assert kinds["/TH"] >= 50 and kinds["/Caption"] >= 5
    figures = [element for kind, element in elements if kind == "/Figure"]
    assert len(figures) == len(report_tables.CHARTS)
    assert all(str(figure.get("/Alt", "")).strip() for figure in figures)

    subprocess.run(["pdftoppm", "-r", "20", "-png", str(path), str(tmp_path / "page")],
                   check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages and all(image.stat().st_size > 1000 for image in images)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Draft" not in text and "Approved by" in text
