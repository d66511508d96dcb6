"""The grant report: indicators against targets from the registered sources, manual values,
issued versions that freeze the figures, narratives with figures from the data, the PDF/A-3
with its XLSX inside, and the staff's exports page with its background jobs."""

import io
import os
import re
import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from ozgeris.models import AuditEvent
from ozgeris.registries import (
    exporters,
    indicator_sources,
    register_exporter,
    register_indicator,
    register_table,
    table_sources,
)
from reporting import jobs, narrative, services
from reporting.models import (
    Activity,
    Appendix,
    Contradiction,
    ExportJob,
    Grant,
    Indicator,
    Task,
)

FIGURES = {"test.participants": 155, "test.programme_exists": {"exists": True,
                                                              "evidence": "Appendix 1"}}


@pytest.fixture
def sources():
    """Two indicator sources and a table source whose values the test sets."""
    register_indicator("test.participants", lambda programme: FIGURES["test.participants"])
    register_indicator("test.programme_exists",
                       lambda programme: FIGURES["test.programme_exists"])
    register_table("test.by_city", lambda programme: (["City", "People"],
                                                      [("Atyrau", 36), ("=cmd|' /C calc'!A0", 1)]))
    yield FIGURES
    FIGURES["test.participants"] = 155
    for name in ("test.participants", "test.programme_exists"):
        indicator_sources.unregister(name)
    table_sources.unregister("test.by_city")


@pytest.fixture
def framework(open_programme, sources):
    programme = open_programme
    Grant.objects.create(programme=programme, grantee="ОФ «Демо»", donor="Donor <b>Fund</b>",
                         topic="Social entrepreneurship", amount=18_950_000,
                         period_start="2031-08-01", period_end="2031-12-31")
    appendix = Appendix.objects.create(programme=programme, number=1,
                                       title_ru="Списки участников",
                                       exporters=["applications", "votes"])
    task = Task.objects.create(programme=programme, number=1, title_ru="Осведомлённость",
                               title_en="Awareness")
    activity = Activity.objects.create(
        task=task, number=1, title_ru="Инфо-встречи", title_en="Information meetings",
        narrative_en="We met {140|test.participants} people <script>x</script>.\n\n"
                     "{table:test.by_city}\n\nA programme existed: {test.programme_exists}.")
    participants = Indicator.objects.create(
        activity=activity, order=1, title_ru="Количество участников",
        title_en="Participants", target=140, target_note="reconstructed (line 22)",
        source="test.participants", appendix=appendix)
    document = Indicator.objects.create(
        activity=activity, order=2, title_ru="Наличие программы", title_en="A programme",
        kind=Indicator.Kind.DOCUMENT, source="test.programme_exists")
    unknown = Indicator.objects.create(activity=activity, order=3, title_ru="Объявления",
                                       title_en="Announcements", source="test.participants")
    Contradiction.objects.create(programme=programme, what="140 in the text, 155 by city",
                                 figures=["140", "155"], lines=[22],
                                 source="test.participants")
    return programme, participants, document, unknown


@pytest.mark.django_db
def test_indicators_take_their_values_from_the_sources(framework):
    programme, participants, document, unknown = framework
    rows = {row.indicator: row for row in services.evaluate(programme)}

    assert rows[participants].actual == 155 and rows[participants].status == services.ACHIEVED
    assert rows[document].actual is True and rows[document].evidence == "Appendix 1"
    assert rows[unknown].status == services.NO_DATA  # no target: nothing to judge

    FIGURES["test.participants"] = 120
    assert {row.indicator: row for row in services.evaluate(programme)}[
        participants].status == services.NOT_ACHIEVED


@pytest.mark.django_db
def test_at_most_indicators_are_achieved_below_the_target(framework):
    _programme, participants, *_ = framework
    participants.direction = Indicator.Direction.AT_MOST
    assert services.status_of(participants, 155) == services.NOT_ACHIEVED
    assert services.status_of(participants, 100) == services.ACHIEVED


@pytest.mark.django_db
def test_a_manual_value_needs_a_reason_and_is_logged(framework, staff):
    programme, _participants, _document, unknown = framework
    with pytest.raises(services.ReportError):
        services.set_manual_value(indicator=unknown, value=Decimal(3), reason="", by=staff)
    services.set_manual_value(indicator=unknown, value=Decimal(3), reason="screenshots",
                              by=staff)

    row = {row.indicator: row for row in services.evaluate(programme)}[unknown]
    assert row.actual == 3 and row.manual
    assert AuditEvent.objects.filter(action="report.manual_value", actor=staff).exists()


@pytest.mark.django_db
def test_an_issued_version_keeps_its_figures_when_the_data_changes(framework, staff):
    from reporting import report
    from reporting.models import Contradiction

    programme, participants, *_ = framework
    mine = Contradiction.objects.create(programme=programme, what="140 or 155 participants?",
                                        source="test.participants")
    version = services.issue(programme=programme, by=staff)
    FIGURES["test.participants"] = 99

    frozen = {row.indicator: row for row in services.evaluate(programme, version=version)}
    now = {row.indicator: row for row in services.evaluate(programme)}
    assert frozen[participants].actual == 155 and now[participants].actual == 99
    def checked(**version):
        return dict(report.context(programme, **version)["contradictions"])[mine]

    assert checked(version=version) == 155 and checked() == 99  # the version's, and today's
    assert {name: value for name, value in version.figures.items()
            if not name.startswith("table:")} == {"test.participants": 155,
                               "test.programme_exists": {"exists": True,
                                                         "evidence": "Appendix 1"}}
    assert services.issue(programme=programme, by=staff).number == 2


@pytest.mark.django_db
def test_the_narrative_prints_the_data_and_lists_a_typed_figure_that_disagrees(framework):
    programme, *_ = framework
    activity = Activity.objects.get(task__programme=programme)
    with translation.override("en"):
        text = narrative.render(activity, programme)

    first = str(text.blocks[0][1])
    assert "155" in first and "140" in first  # printed, the typed figure kept in its title
    assert "<script>" not in first and "&lt;script&gt;" in first
    assert text.blocks[1][0] == "table"
    assert [(d.typed, d.actual) for d in text.disagreements] == [("140", 155)]
    assert "yes" in str(text.blocks[2][1])


@pytest.mark.django_db
def test_the_xlsx_has_the_indicators_and_the_appendix_sheets_but_never_the_votes(framework):
    programme, *_ = framework
    with translation.override("en"):
        _name, _type, content = exporters.get("report-xlsx").render(programme, {},
                                                                    lambda *a: None)
    book = load_workbook(io.BytesIO(content), read_only=True)

    assert book.sheetnames[:2] == ["About this file", "Indicators"]
    rows = list(book["Indicators"].iter_rows(values_only=True))
    assert len(rows) == 1 + 3
    assert "Applications" in book.sheetnames  # appendix 1's data, listed in "Appendices"
    assert not any("Vote" in name or "Голос" in name for name in book.sheetnames)


@pytest.mark.skipif(not shutil.which("pdffonts"), reason="needs poppler-utils")
@pytest.mark.django_db
def test_the_pdf_is_archival_with_embedded_fonts_the_xlsx_inside_and_the_figures(
        framework, tmp_path):
    programme, *_ = framework
    with translation.override("en"):  # as the exports page and the command run it
        _name, _type, content = exporters.get("report").render(programme, {"language": "en"},
                                                               lambda *a: None)
    path = tmp_path / "report.pdf"
    path.write_bytes(content)

    def run(*command, to_stdout=()):
        return subprocess.run([*command, str(path), *to_stdout], capture_output=True,
                              text=True, check=True).stdout

    fonts = run("pdffonts").splitlines()[2:]
    assert fonts and all(" yes " in line for line in fonts)
    assert "report-2031-draft.xlsx" in run("pdfdetach", "-list")
    metadata = run("pdfinfo", "-meta")
    assert 'pdfaid:part="3"' in metadata and 'pdfaid:conformance="A"' in metadata
    text = run("pdftotext", "-layout", to_stdout=["-"])
    assert "Participants" in text and "155" in text
    assert "140 in the text, 155 by city" in text
    assert "18950000" in re.sub(r"[\s,\u00a0\u202f]", "", text) and "₸" in text
    assert "Donor <b>Fund</b>" in text  # escaped, shown as typed


@pytest.mark.django_db
def test_staff_start_an_export_and_download_it(client, framework, staff,
                                              django_capture_on_commit_callbacks):
    programme, *_ = framework
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reporting:index"), {
            "programme": programme.year, "exporter": "report-xlsx", "language": "ru"})
    job = ExportJob.objects.get()
    assert response.url == reverse("reporting:job", args=[job.pk])

    status = client.get(reverse("reporting:job_status", args=[job.pk])).json()
    assert status["state"] == "done" and status["percent"] == 100  # inline: at once
    download = client.get(status["download"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"


@pytest.mark.django_db
def test_exports_are_for_staff_only(client, framework, staff, make_user):
    programme, *_ = framework
    job = jobs.start_export(programme=programme, exporter="applications", language="ru",
                            by=staff)
    urls = [reverse("reporting:index"), reverse("reporting:job", args=[job.pk]),
            reverse("reporting:job_status", args=[job.pk]),
            reverse("reporting:download", args=[job.pk])]
    assert all(client.get(url).status_code == 302 for url in urls)
    client.force_login(make_user(email="someone@example.kz"))
    assert all(client.get(url).status_code == 403 for url in urls)
    assert client.post(reverse("reporting:issue"), {"programme": 2031}).status_code == 403


@pytest.mark.django_db
def test_old_export_files_are_removed(framework, staff, settings,
                                     django_capture_on_commit_callbacks):
    programme, *_ = framework
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start_export(programme=programme, exporter="applications", language="ru",
                                by=staff)
    job.refresh_from_db()
    assert job.state == ExportJob.State.DONE and job.file
    stored = job.file.path

    settings.EXPORT_KEEP_HOURS = 0
    assert jobs.remove_expired() == 1
    assert not os.path.exists(stored)
    with pytest.raises(services.ReportError):
        jobs.start_export(programme=programme, exporter="nope", language="ru", by=staff)


@pytest.mark.django_db
def test_a_failing_export_is_marked_failed(framework, staff,
                                           django_capture_on_commit_callbacks):
    programme, *_ = framework

    def broken(programme, options, progress):
        raise RuntimeError("disk full")

    register_exporter("test-broken", title="Broken", formats=["xlsx"], render=broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            job = jobs.start_export(programme=programme, exporter="test-broken",
                                    language="ru", by=staff)
    finally:
        exporters.unregister("test-broken")
    job.refresh_from_db()
    assert job.state == ExportJob.State.FAILED and "disk full" in job.error


@pytest.mark.django_db
def test_an_export_whose_file_cannot_be_stored_is_marked_failed(framework, staff, monkeypatch,
                                                                django_capture_on_commit_callbacks):
    """Not left "running" for the progress page to poll until it expires."""
    from django.db.models.fields.files import FieldFile

    programme, *_ = framework

    def storage_full(self, name, content, save=True):
        raise OSError("No space left on device")

    monkeypatch.setattr(FieldFile, "save", storage_full)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start_export(programme=programme, exporter="report-xlsx", language="ru",
                                by=staff)
    job.refresh_from_db()
    assert job.state == ExportJob.State.FAILED and "No space left" in job.error


def test_a_placeholder_that_would_not_print_is_named_with_what_to_write():
    with translation.override("en"):
        assert narrative.mistakes("Participants: {140|events.participants}.\n\n"
                                  "{table:events.participants_by_city}\n\nDone.") == []
        found = narrative.mistakes("We met {events.participant} people in {Almaty}.\n\n"
                                   "See {table:events.participants_by_city} below.")
    assert found == [
        "{events.participant}: there is no source “events.participant”; did you mean "
        "“events.participants”?",
        "{Almaty} is not a placeholder: write {source}, {140|source} or {table:source}.",
        "{table:events.participants_by_city}: a table goes on a line of its own, with blank "
        "lines around it.",
    ]


@pytest.mark.django_db
def test_staff_cannot_save_a_narrative_with_a_mistyped_placeholder(client, framework, staff):
    activity = Activity.objects.filter(task__programme=framework[0]).first()
    client.force_login(staff)
    url = reverse("admin:reporting_activity_change", args=[activity.pk])
    form = {"task": activity.task_id, "number": activity.number, "title_ru": "Встречи",
            "title_kk": "", "title_en": "", "narrative_ru": "Участников: {events.participnts}.",
            "narrative_kk": "", "narrative_en": "",
            "indicators-TOTAL_FORMS": 0, "indicators-INITIAL_FORMS": 0}

    page = client.post(url, form).content.decode()

    assert "нет источника" in page and "events.participants" in page
    activity.refresh_from_db()
    assert "participnts" not in activity.narrative_ru
    form["narrative_ru"] = "Участников: {events.participants}."
    assert client.post(url, form).status_code == 302
    activity.refresh_from_db()
    assert activity.narrative_ru == "Участников: {events.participants}."


@pytest.mark.django_db
def test_an_export_whose_worker_stopped_is_marked_failed_not_running_for_ever(
        client, framework, staff, settings):
    programme, *_ = framework
    settings.EXPORT_STALLED_MINUTES = 15
    now = timezone.now()
    stalled, busy = (ExportJob.objects.create(
        programme=programme, exporter="report", created_by=staff,
        state=ExportJob.State.RUNNING, progress_at=now - timedelta(minutes=minutes))
        for minutes in (16, 14))
    client.force_login(staff)

    status = client.get(reverse("reporting:job_status", args=[stalled.pk])).json()

    assert status["state"] == "failed" and status["error"]
    busy.refresh_from_db()
    assert busy.state == ExportJob.State.RUNNING  # still reporting progress: left alone
    assert jobs.fail_stalled(now=now + timedelta(minutes=2)) == 1
    busy.refresh_from_db()
    assert busy.state == ExportJob.State.FAILED and "15 minutes" in busy.error
    # One that never reported at all (started before progress was recorded) goes by its age.
    silent = ExportJob.objects.create(programme=programme, exporter="report", created_by=staff,
                                      state=ExportJob.State.RUNNING)
    assert jobs.fail_stalled(now=now + timedelta(minutes=16)) == 1
    silent.refresh_from_db()
    assert silent.state == ExportJob.State.FAILED


@pytest.mark.django_db
def test_a_running_export_reports_its_progress_and_done_wins_over_stalled(framework,
                                                                            staff):
    programme, *_ = framework
    seen = []

    def slow(programme, options, progress):
        seen.append(ExportJob.objects.get().progress_at)
        progress(1, 1)
        # A step that outlasts the limit: the job is taken for stalled, then finishes.
        jobs.fail_stalled(now=timezone.now() + timedelta(days=1))
        return "slow.xlsx", "application/octet-stream", b"PK"

    register_exporter("test-slow", title="Slow", formats=["xlsx"], render=slow)
    try:
        job = ExportJob.objects.create(programme=programme, exporter="test-slow",
                                       created_by=staff)
        jobs.run(job.pk)
    finally:
        exporters.unregister("test-slow")
    job.refresh_from_db()
    assert seen[0] is not None and job.progress_at >= seen[0]
    assert (job.state, job.error) == (ExportJob.State.DONE, "")  # the file is there after all


@pytest.mark.django_db
def test_the_pdf_export_reads_each_source_once_for_both_its_documents(framework, monkeypatch):
    programme, *_ = framework
    reads = []
    counting = indicator_sources.get("test.participants")
    monkeypatch.setitem(indicator_sources.items, "test.participants",
                        lambda programme: reads.append(programme) or counting(programme))

    exporters.get("report").render(programme, {"language": "en"}, lambda *a: None)

    assert len(reads) == 1  # the XLSX inside and the PDF share what they read
