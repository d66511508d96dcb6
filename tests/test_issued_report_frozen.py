"""An issued version of the grant report prints what it printed when issued: the indicators
(their list, titles, units, targets, directions), the narratives, the grant's cover, in every
export (XLSX, PDF, open data), whatever staff edit afterwards; a version issued before the
report kept these prints today's and says so. A draft and an issued version say which they
are, in the file, its title and its name."""

import io
import zipfile

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.utils import translation
from openpyxl import load_workbook
from openpyxl.packaging.core import DocumentProperties
from openpyxl.xml.functions import fromstring

from ozgeris.registries import exporters, no_progress
from reporting import opendata, report, services
from reporting.models import Activity, Grant, Indicator, ReportVersion, Task

from .test_reporting import FIGURES, framework, sources  # noqa: F401 - fixtures

LEGACY = "Issued before the report kept its targets and texts"


def _xlsx(programme, options, language="en"):
    with translation.override(language):
        return exporters.get("report-xlsx").render(programme, options, no_progress)


def _book(content):
    return load_workbook(io.BytesIO(content), read_only=True)


def _texts(content):
    return " | ".join(str(cell.value) for sheet in _book(content).worksheets
                      for row in sheet.iter_rows() for cell in row if cell.value is not None)


def _title(content):
    core = zipfile.ZipFile(io.BytesIO(content)).read("docProps/core.xml")
    return DocumentProperties.from_tree(fromstring(core)).title


def _html(programme, version):
    with translation.override("en"):
        return render_to_string("reporting/pdf/report.html", {
            **report.context(programme, version=version), "pdf_fonts": ""})


def _edit_everything(programme, participants, document):
    """What staff may change after issue: targets, titles, units, narratives, the grant, the
    programme's title."""
    participants.target = 1000
    participants.title_ru, participants.title_en = "Переписанный показатель", "Rewritten"
    participants.unit_en = "heads"
    participants.direction = Indicator.Direction.AT_MOST
    participants.save()
    document.delete()
    activity = Activity.objects.get(task__programme=programme)
    Indicator.objects.create(activity=activity, order=9, title_ru="Новый", title_en="Brand new",
                             target=5, source="test.participants")
    activity.title_en = "Renamed meetings"
    activity.narrative_en = "A rewritten narrative."
    activity.save()
    Task.objects.filter(programme=programme).update(title_en="Renamed task")
    Grant.objects.filter(programme=programme).update(amount=99_000_000, grantee="Другой")
    programme.title_en = "Renamed edition"
    programme.save(update_fields=["title_en"])


@pytest.mark.django_db
def test_an_issued_xlsx_keeps_its_indicators_as_issued(framework, staff):  # noqa: F811
    programme, participants, document, _unknown = framework
    version = services.issue(programme=programme, by=staff)
    before = _texts(_xlsx(programme, {"version": version.number})[2])

    _edit_everything(programme, participants, document)
    FIGURES["test.participants"] = 7  # the data moves too
    after = _xlsx(programme, {"version": version.number})[2]

    assert _texts(after) == before
    indicators = list(_book(after)["Indicators"].iter_rows(values_only=True))
    header = indicators[0]
    assert [(row[header.index("Indicator")], row[header.index("Target")],
             row[header.index("Actual")]) for row in indicators[1:]][0] == (
        "Participants", 140, 155)
    assert "Rewritten" in _texts(_xlsx(programme, {})[2])  # the draft reads today's


@pytest.mark.django_db
def test_an_issued_pdf_keeps_its_narratives_titles_and_grant_amount(framework, staff):  # noqa: F811
    programme, participants, document, _unknown = framework
    version = services.issue(programme=programme, by=staff)
    before = _html(programme, ReportVersion.objects.get(pk=version.pk))

    _edit_everything(programme, participants, document)
    after = _html(programme, ReportVersion.objects.get(pk=version.pk))

    assert after == before
    assert "We met" in after and "18 950 000" in after.replace("\u00a0", " ").replace(
        "\u202f", " ").replace(",", " ")
    assert LEGACY not in after
    draft = _html(programme, None)
    assert "A rewritten narrative." in draft and "Renamed task" in draft
    assert "Renamed edition" in draft and "Renamed edition" not in after


@pytest.mark.django_db
def test_the_open_indicators_keep_the_issued_targets_and_titles(framework, staff):  # noqa: F811
    programme, participants, document, _unknown = framework
    services.issue(programme=programme, by=staff)
    before = list(opendata.rows(programme))

    _edit_everything(programme, participants, document)
    after = list(opendata.rows(programme))

    assert after == before
    assert (after[0]["indicator_en"], after[0]["target"]) == ("Participants", 140)


@pytest.mark.django_db
def test_a_version_issued_before_texts_were_kept_reads_them_now_and_says_so(
        framework, staff):  # noqa: F811
    programme, participants, document, _unknown = framework
    version = services.issue(programme=programme, by=staff)
    ReportVersion.objects.filter(pk=version.pk).update(content={})  # as the migration left it
    version.refresh_from_db()
    _edit_everything(programme, participants, document)

    texts = _texts(_xlsx(programme, {"version": version.number})[2])
    assert "Rewritten" in texts and LEGACY in texts
    assert LEGACY in _html(programme, version)


@pytest.mark.django_db
def test_a_draft_and_an_issued_xlsx_say_which_they_are(framework, staff):  # noqa: F811
    programme, *_ = framework
    version = services.issue(programme=programme, by=staff)

    draft_name, _type, draft = _xlsx(programme, {"for_reader": True}, "ru")
    issued_name, _type, issued = _xlsx(programme, {"version": version.number}, "ru")

    assert (draft_name, issued_name) == ("report-2031-draft.xlsx", "report-2031-v1.xlsx")
    draft_head = _book(draft).worksheets[0]["A1"].value
    issued_head = _book(issued).worksheets[0]["A1"].value
    assert draft_head.startswith("Черновик, сформирован ")
    assert issued_head.startswith("Версия 1, выпущена ")
    assert draft_head in _title(draft) and issued_head in _title(issued)
    assert "не в том виде, в каком выпущен" in _texts(issued)  # appendices are today's data


@pytest.mark.django_db
def test_the_export_command_writes_an_issued_version_under_its_name(
        framework, staff, tmp_path, capsys):  # noqa: F811
    programme, participants, document, _unknown = framework
    services.issue(programme=programme, by=staff)
    _edit_everything(programme, participants, document)

    output = tmp_path / "issued.xlsx"
    call_command("export", "report-xlsx", programme=programme.year, output=str(output),
                 language="en", issued=1)

    assert "(report-2031-v1.xlsx)" in capsys.readouterr().out
    texts = _texts(output.read_bytes())
    assert "Participants" in texts and "Rewritten" not in texts and "Brand new" not in texts
