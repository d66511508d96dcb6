"""The grant report's draft for a read-only seat is the donor's (no staff notes, in the PDF or
the XLSX), and an issued version prints the tables it froze under a source's old name."""

import io

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from openpyxl import load_workbook

from ozgeris.registries import no_progress
from reporting import companion, exporters, report, services
from reporting.models import ReportVersion
from reporting.narrative import RENAMED_TABLES

pytestmark = pytest.mark.django_db
STAFF_BOX = 'class="staff"'
BOXES_LEFT_OUT = "are left out of the issued version"


def _draft_html(programme, **options):
    with translation.override("en"):
        return render_to_string("reporting/pdf/report.html", {
            **report.context(programme, **options), "pdf_fonts": ""})


def _indicator_header(programme, options):
    with translation.override("en"):
        _name, _type, content = companion.render_xlsx(programme, options, no_progress)
    sheet = load_workbook(io.BytesIO(content), read_only=True)["Indicators"]
    return [cell.value for cell in next(sheet.iter_rows())]


def test_a_seats_draft_leaves_out_the_boxes_for_staff(demo_programme):
    staffs, seats = _draft_html(demo_programme), _draft_html(demo_programme, for_reader=True)
    assert STAFF_BOX in staffs and BOXES_LEFT_OUT in staffs
    assert STAFF_BOX not in seats
    assert BOXES_LEFT_OUT not in seats  # the cover does not speak of boxes it does not carry
    assert "Computed from the data on" in seats


def test_the_report_exporter_hands_the_seats_option_to_the_pdf(demo_programme, monkeypatch):
    printed = {}

    def capture(template, context, **kwargs):
        printed["staff"] = context["staff"]
        return b"%PDF"

    monkeypatch.setattr(exporters, "render_pdf", capture)
    exporters.render(demo_programme, {"for_reader": True}, no_progress)
    assert printed["staff"] is False
    exporters.render(demo_programme, {}, no_progress)
    assert printed["staff"] is True


def test_a_seats_xlsx_leaves_out_the_notes_about_the_targets(demo_programme):
    assert _indicator_header(demo_programme, {})[-1] == "About the target"
    assert "About the target" not in _indicator_header(demo_programme, {"for_reader": True})


def test_a_version_issued_before_a_table_was_renamed_prints_what_it_froze(demo_programme,
                                                                          staff):
    version = services.issue(programme=demo_programme, by=staff)
    old_name, name = next(iter(RENAMED_TABLES.items()))
    figures = dict(version.figures)
    for language in ("ru", "kk", "en"):  # as the version froze it, under the old name
        del figures[f"table:{language}:{name}"]
        figures[f"table:{language}:{old_name}"] = [["Nomination", "Winner"],
                                                   [["Frozen nomination", "Frozen winner"]]]
    ReportVersion.objects.filter(pk=version.pk).update(figures=figures)
    version.refresh_from_db()

    with translation.override("ru"):
        issued = render_to_string("reporting/pdf/report.html", {
            **report.context(demo_programme, version=version), "pdf_fonts": ""})

    assert "Frozen winner" in issued
