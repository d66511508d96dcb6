"""The jury's exporters: scores, finalists and jury members (XLSX) and the minutes (PDF)."""

import io
import os
import re
import shutil
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook

from applications.models import Application, Status
from jury import services
from jury.models import Attendance, Conflict, ConflictQuerySet, JuryMember, Sitting
from ozgeris import registries
from ozgeris.registries import no_progress

from .factories import ApplicationFactory, OrganisationFactory, juror, score

ALMATY = ZoneInfo("Asia/Almaty")
EVIL = '=HYPERLINK("http://evil")'
CONFLICT_REASON = "Advises the foundation on its budget"
COMMENT = "Strong team"  # every juror's comment on the social impact
EXPORTERS = {"jury-protocol": ("pdf",), "scores": ("xlsx",), "finalists": ("xlsx",),
             "jury-members": ("xlsx",)}


def screened(programme, name, share, nomination="education"):
    return ApplicationFactory(
        programme=programme, status="screened", organisation=OrganisationFactory(name=name),
        nomination=programme.nominations.get(code=nomination), project_title=f"Project {name}",
        total_income=100, entrepreneurial_income=share, income_share=share,
        income_share_threshold=20, passes_80_20=share >= 20)


def add_applications(programme, members, staff, names, nomination="education"):
    """Screened applications that pass the 80/20 gate, scored by every juror not in conflict."""
    applications = [screened(programme, name, 30 + i, nomination)
                    for i, name in enumerate(names)]
    services.decide_eligibility(programme=programme, by=staff)
    for i, application in enumerate(applications):
        application.refresh_from_db()
        for member in members:
            if services.can_score(member, application):
                score(member, application, 5 - i % 5, 4 - i % 3, comment=COMMENT)
    return applications


@pytest.fixture
def sitting_jury(programme, make_user, staff):
    """A jury of four that sat once, declared a conflict, scored five applications in two
    nominations (one titled like a formula), overrode one 80/20 failure and applied the cut."""
    chair = juror(programme, make_user, "Aigerim Chair", role=JuryMember.Role.CHAIR,
                  affiliation="Eurasia Foundation")
    boris = juror(programme, make_user, "Boris Online", affiliation="British Council")
    dana = juror(programme, make_user, "Dana Present", affiliation="Kazakh University")
    absent = juror(programme, make_user, "Erlan Away", affiliation="Samruk")
    members = [chair, boris, dana, absent]
    failing = screened(programme, "Failing Fund", 5)
    top = screened(programme, "Top Fund", 40)
    services.decide_eligibility(programme=programme, by=staff)
    top.refresh_from_db()
    services.declare_conflict(juror=boris, application=top, reason=CONFLICT_REASON,
                              by=boris.user)
    for member in (chair, boris, dana):
        if services.can_score(member, top):
            score(member, top, 5, 5, comment=COMMENT)
    services.override_eligibility(application=failing, eligible=True, by=staff,
                                  reason="Grant income was misfiled as donations")
    failing.refresh_from_db()
    for member in (chair, boris, dana):
        score(member, failing, 1, 2, comment=COMMENT)
    others = add_applications(programme, [chair, boris, dana], staff, [EVIL, "Health Hub"],
                              nomination="health")
    services.apply_cut(programme=programme, top_n=1, by=staff)
    sitting = Sitting.objects.create(
        programme=programme, subject=Sitting.Subject.APPLICATIONS,
        starts_at=datetime(2031, 10, 12, 10, 0, tzinfo=ALMATY), place="Almaty, Dostyk 5",
        agenda="1. Conflicts of interest\n2. Finalists", decisions="Finalists approved.")
    for member, presence in ((chair, "in_person"), (boris, "online"), (dana, "in_person"),
                             (absent, "absent")):
        Attendance.objects.create(sitting=sitting, member=member, presence=presence)
    return {"members": members, "top": top, "failing": failing, "others": others,
            "sitting": sitting}


def export(name, tmp_path, programme, language="en"):
    target = tmp_path / f"{name}.{registries.exporters.get(name).formats[0]}"
    out = io.StringIO()
    call_command("export", name, "--programme", str(programme.year), "--output", str(target),
                 "--language", language, stdout=out)
    assert f"{name}-{programme.year}" in out.getvalue()
    return target


def sheet_rows(path, index=0):
    sheet = load_workbook(path).worksheets[index]
    header, *rows = sheet.iter_rows()
    labels = [cell.value for cell in header]
    return labels, [{label: cell for label, cell in zip(labels, row, strict=True)}
                    for row in rows]


def by_organisation(rows):
    return {row["Organisation"].value: row for row in rows}


# ---------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "formats"), sorted(EXPORTERS.items()))
def test_each_jury_exporter_is_registered(name, formats):
    exporter = registries.exporters.get(name)

    assert exporter is not None
    assert exporter.formats == formats
    with translation.override("en"):
        assert str(exporter.title)


# ---------------------------------------------------------------------------
# scores
# ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_scores_export_has_one_row_per_scored_application(programme, sitting_jury, tmp_path):
    labels, rows = sheet_rows(export("scores", tmp_path, programme))
    rows = by_organisation(rows)

    assert set(rows) == {"Top Fund", "Failing Fund", EVIL, "Health Hub"}
    top = rows["Top Fund"]
    assert top["Aigerim Chair · Social impact"].value == 5
    assert top["Boris Online · Social impact"].value == "conflict of interest"
    assert top["Erlan Away · Social impact"].value is None
    assert top["Mean: Social impact"].value == 5
    assert top["Total (raw)"].value == 10
    assert top["Sheets"].value == 2
    assert top["Rank (raw scores)"].value == 1
    assert top["Status"].value == "finalist"
    failing = rows["Failing Fund"]
    assert (failing["Total (raw)"].value, failing["Rank (raw scores)"].value) == (3, 2)
    assert (failing["Lowest score"].value, failing["Highest score"].value) == (1, 2)
    assert failing["Status"].value == "not selected"
    assert "Normalised mean: Business model" in labels


@pytest.mark.django_db
def test_scores_export_lists_each_submitted_sheet_with_its_comments(programme, sitting_jury,
                                                                    tmp_path):
    _labels, rows = sheet_rows(export("scores", tmp_path, programme), index=1)

    sheets = [(row["Organisation"].value, row["Juror"].value) for row in rows]
    assert ("Top Fund", "Aigerim Chair") in sheets
    assert ("Top Fund", "Boris Online") not in sheets
    assert len(sheets) == 2 + 3 + 3 + 3
    assert rows[0]["Comment: Social impact"].value == COMMENT


# ---------------------------------------------------------------------------
# finalists
# ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_finalists_export_has_one_row_per_finalist(programme, sitting_jury, tmp_path):
    labels, rows = sheet_rows(export("finalists", tmp_path, programme))
    rows = by_organisation(rows)

    assert set(rows) == {"Top Fund", EVIL}
    top = rows["Top Fund"]
    assert top["Nomination"].value == "education"
    assert (top["Total (raw)"].value, top["Rank (raw scores)"].value) == (10, 1)
    assert labels[:3] == ["No.", "Nomination", "Organisation"]


@pytest.mark.django_db
def test_the_finalists_export_offered_to_the_seats_carries_no_bin(programme, sitting_jury,
                                                                  tmp_path):
    """The read-only seats are offered it (no personal data): the organisations' BINs stay with
    staff's applications export."""
    assert not registries.exporters.get("finalists").personal_data
    labels, rows = sheet_rows(export("finalists", tmp_path, programme))
    cells = {str(cell.value) for row in rows for cell in row.values()}

    assert "BIN" not in labels
    assert sitting_jury["top"].organisation.bin not in cells


@pytest.mark.django_db
def test_formula_like_text_stays_a_string_cell(programme, sitting_jury, tmp_path):
    for name in ("finalists", "scores"):
        _labels, rows = sheet_rows(export(name, tmp_path, programme))
        cell = by_organisation(rows)[EVIL]["Organisation"]

        assert (cell.data_type, cell.value) == ("s", EVIL)
        assert cell.quotePrefix


# ---------------------------------------------------------------------------
# jury-members
# ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_jury_members_export_shows_affiliation_and_attendance(programme, sitting_jury, tmp_path):
    labels, rows = sheet_rows(export("jury-members", tmp_path, programme))
    rows = {row["Name"].value: row for row in rows}
    sitting = next(label for label in labels if label.startswith("12.10.2031 10:00"))

    assert list(rows) == ["Aigerim Chair", "Boris Online", "Dana Present", "Erlan Away"]
    assert rows["Aigerim Chair"]["Role"].value == "chair"
    assert rows["Boris Online"]["Affiliation"].value == "British Council"
    assert [rows[name][sitting].value for name in rows] == ["in person", "online",
                                                            "in person", "absent"]
    assert [rows[name]["Sittings attended"].value for name in rows] == [1, 1, 1, 0]
    assert rows["Boris Online"]["Conflicts of interest"].value == 1
    assert rows["Boris Online"]["Score sheets submitted"].value == 3


@pytest.mark.django_db
def test_jury_members_export_counts_conflicts_by_the_one_excluding_rule(
        programme, sitting_jury, tmp_path, monkeypatch):
    """The count asks ``ConflictQuerySet.excluding_condition``, the rule behind
    ``Conflict.objects.excluding()``: had the rule changed (here: pending conflicts stop
    counting), the export follows it instead of keeping a copy of the old one."""
    boris = sitting_jury["members"][1]
    Conflict.objects.filter(juror=boris).update(state=Conflict.State.PENDING)
    monkeypatch.setattr(ConflictQuerySet, "excluding_condition", staticmethod(
        lambda through="": Q(**{f"{through}state": Conflict.State.CONFIRMED})))
    _labels, rows = sheet_rows(export("jury-members", tmp_path, programme))
    counted = {row["Name"].value: row["Conflicts of interest"].value for row in rows}

    assert Conflict.objects.filter(juror=boris).excluding().count() == 0
    assert counted["Boris Online"] == 0


@pytest.mark.django_db
def test_the_exports_follow_the_language(programme, sitting_jury, tmp_path):
    labels, _rows = sheet_rows(export("jury-members", tmp_path, programme, language="ru"))

    assert labels[0] == "№"


# ---------------------------------------------------------------------------
# jury-protocol
# ---------------------------------------------------------------------------


def pdf_text(path):
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return re.sub(r"\s+", " ", text)


@pytest.mark.django_db
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (pdftotext)")
def test_the_protocol_names_jurors_conflicts_finalists_and_signatures(programme, sitting_jury,
                                                                     tmp_path):
    path = export("jury-protocol", tmp_path, programme)
    if os.environ.get("KEEP_PROTOCOL"):
        shutil.copy(path, os.environ["KEEP_PROTOCOL"])

    assert path.read_bytes().startswith(b"%PDF")
    text = pdf_text(path)
    for name in ("Aigerim Chair", "Boris Online", "Dana Present", "Erlan Away"):
        assert name in text
    assert "Eurasia Foundation" in text
    assert CONFLICT_REASON in text
    assert "Grant income was misfiled as donations" in text
    for finalist in ("Top Fund", EVIL):
        assert finalist in text
    assert "Not selected" in text
    assert "12 October 2031, 10:00" in text
    assert "Chair of the jury" in text
    assert text.count("Member of the jury") == 2  # Boris and Dana, not Erlan: absent


@pytest.mark.django_db
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (pdftotext)")
def test_the_protocol_without_sittings_or_scores_still_renders(programme, tmp_path):
    text = pdf_text(export("jury-protocol", tmp_path, programme))

    assert "No sittings have been recorded." in text
    assert "No application has been scored." in text


# ---------------------------------------------------------------------------
# Query counts
# ---------------------------------------------------------------------------


def query_counts(programme):
    counts = {}
    for name in EXPORTERS:
        with translation.override("en"), CaptureQueriesContext(connection) as queries:
            registries.exporters.get(name).render(programme, {}, no_progress)
        counts[name] = len(queries)
    return counts


@pytest.mark.django_db
def test_the_exports_cost_the_same_queries_for_3_and_10_applications(programme, make_user,
                                                                     staff):
    members = [juror(programme, make_user, f"J{i}") for i in range(3)]
    add_applications(programme, members, staff, [f"Org {i}" for i in range(3)])
    conflict = services.declare_conflict(
        juror=members[0], application=programme.applications.first(), reason="Former employee",
        by=members[0].user)
    # Declared after scoring: staff decide it before the cut.
    services.resolve_conflict(conflict=conflict, confirm=True, reason="Confirmed", by=staff)
    services.apply_cut(programme=programme, top_n=1, by=staff)
    sitting = Sitting.objects.create(programme=programme, subject="applications",
                                     starts_at=timezone.now())
    for member in members:
        Attendance.objects.create(sitting=sitting, member=member)
    query_counts(programme)  # warm the per-process caches (content types) first
    few = query_counts(programme)

    # The cut is applied once, and the 80/20 rule not after it: the larger edition's
    # eligibility and decisions are written past the services.
    more = [screened(programme, f"More {i}", 30 + i, "health") for i in range(7)]
    Application.objects.filter(pk__in=[a.pk for a in more]).update(status=Status.ELIGIBLE)
    for i, application in enumerate(more):
        application.refresh_from_db()
        for member in members:
            score(member, application, 5 - i % 5, 4 - i % 3, comment=COMMENT)
    for place, application in enumerate(more):
        Application.objects.filter(pk=application.pk).update(
            status=Status.FINALIST if place < 2 else Status.NOT_SELECTED)
    assert programme.applications.filter(status__in=[Status.FINALIST,
                                                     Status.NOT_SELECTED]).count() == 10

    assert query_counts(programme) == few
