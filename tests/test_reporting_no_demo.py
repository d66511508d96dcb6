"""Nothing named "Демо", "демо" or "(демо)" reaches an export of the 2019 demo: the report's
PDF as pdftotext reads it, and every cell of ``report-xlsx`` and of each appendix exporter's
XLSX, in Russian, Kazakh and English. The demo may fill a gap the original leaves, but then
the report says "illustrative"; it never names a record after the demo."""

import io
import re
import shutil
import subprocess

import pytest
from django.utils import translation
from openpyxl import load_workbook

from applications.models import Organisation
from ozgeris.registries import exporters, no_progress
from reporting.models import Appendix

pytestmark = pytest.mark.django_db
LANGUAGES = ("ru", "kk", "en")
DEMO = re.compile(r"\b(демо|demo)\b", re.IGNORECASE)


def xlsx_exporters(programme):
    """``report-xlsx`` and every XLSX exporter an appendix of the programme names."""
    names = {name for appendix in Appendix.objects.filter(programme=programme)
             for name in appendix.exporters}
    return ["report-xlsx", *sorted(name for name in names
                                   if name in exporters and "xlsx" in exporters.get(name).formats)]


def demo_cells(programme, name, language):
    """Each cell of exporter ``name``'s workbook that names the demo, with where it is."""
    with translation.override(language):
        _filename, _type, content = exporters.get(name).render(programme, {}, no_progress)
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [(name, sheet.title, value) for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True) for value in row
            if isinstance(value, str) and DEMO.search(value)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_cell_of_any_xlsx_export_names_the_demo(demo_programme, language):
    names = xlsx_exporters(demo_programme)
    assert len(names) >= 10  # the companion and the appendices' exporters

    found = [cell for name in names for cell in demo_cells(demo_programme, name, language)]

    assert found == []


def test_the_check_catches_an_organisation_named_after_the_demo(demo_programme):
    """The test of the test: a record named "Демо: …" is found in the appendix it reaches."""
    organisation = Organisation.objects.filter(
        applications__programme=demo_programme).first()
    organisation.name = f"Демо: {organisation.name}"
    organisation.save(update_fields=["name"])

    found = demo_cells(demo_programme, "applications", "ru")

    assert organisation.name in [value for _name, _sheet, value in found]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pdf_never_names_the_demo(demo_programme, language, tmp_path):
    with translation.override(language):
        _filename, _type, content = exporters.get("report").render(demo_programme, {},
                                                                   no_progress)
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout

    assert len(text) > 10_000  # the whole report was read
    assert DEMO.findall(text) == []
