"""A job's file opens to a person only if every export it carries does: a colleague's grant
report attaching the jury's scores stays closed to a staff juror before the results are
applied, on its page, its progress, its download and the reports list
(reporting.jobs.may_read_job)."""

import pytest
from django.urls import reverse

from jury import services as jury_services
from ozgeris.models import Programme
from reporting import jobs
from reporting.models import Appendix, ExportJob

from .test_jury_exports_sealed import staff_on_the_jury  # noqa: F401 - fixture

PAGES = ("reporting:job", "reporting:job_status", "reporting:download")


@pytest.fixture
def colleague(make_staff):
    """Staff, off the jury."""
    return make_staff("colleague@example.kz")


@pytest.fixture
def scores_report(programme, colleague):
    """The colleague's grant report, done, attaching the jury's scores."""
    Appendix.objects.create(programme=programme, number=1, title_ru="Оценки",
                            exporters=["scores", "finalists"])
    job = jobs.start_export(programme=programme, exporter="report-xlsx", language="ru",
                            by=colleague)
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.state == ExportJob.State.DONE
    return job


def _statuses(client, user, job):
    client.force_login(user)
    return [client.get(reverse(name, args=[job.pk])).status_code for name in PAGES]


def _listed(client, user, programme, monkeypatch):
    monkeypatch.setattr(Programme.objects, "current", lambda: programme)
    client.force_login(user)
    return {job.pk for job in client.get(reverse("reporting:index")).context["page"]}


@pytest.mark.django_db
def test_a_staff_juror_opens_no_colleagues_report_carrying_the_scores(
        client, programme, staff, staff_on_the_jury, scores_report, monkeypatch):  # noqa: F811
    assert _statuses(client, staff, scores_report) == [404, 404, 404]
    assert scores_report.pk not in _listed(client, staff, programme, monkeypatch)


@pytest.mark.django_db
def test_its_creator_and_staff_off_the_jury_still_open_it(
        client, programme, staff, staff_on_the_jury, colleague, make_staff,  # noqa: F811
        scores_report, monkeypatch):
    other = make_staff("other-staff@example.kz")
    for person in (colleague, other):
        assert _statuses(client, person, scores_report) == [200, 200, 200]
        assert scores_report.pk in _listed(client, person, programme, monkeypatch)


@pytest.mark.django_db
def test_the_juror_opens_it_once_the_results_are_applied(
        client, programme, staff, staff_on_the_jury, scores_report, monkeypatch):  # noqa: F811
    jury_services.apply_cut(programme=programme, top_n=1, by=staff)
    assert _statuses(client, staff, scores_report) == [200, 200, 200]
    assert scores_report.pk in _listed(client, staff, programme, monkeypatch)


@pytest.mark.django_db
def test_what_the_file_carries_is_recorded_when_it_is_made(
        client, programme, staff, staff_on_the_jury, scores_report):  # noqa: F811
    """The appendix taken off after the run does not take the scores out of the file."""
    assert scores_report.options[jobs.ATTACHED] == ["finalists", "scores"]
    Appendix.objects.filter(programme=programme).delete()
    assert _statuses(client, staff, scores_report) == [404, 404, 404]


@pytest.mark.django_db
def test_a_report_not_yet_made_is_judged_by_what_it_would_attach(
        client, programme, staff, staff_on_the_jury, colleague, monkeypatch):  # noqa: F811
    monkeypatch.setattr("reporting.jobs._queue", lambda job_id: None)  # the job is not run
    Appendix.objects.create(programme=programme, number=1, title_ru="Оценки",
                            exporters=["scores"])
    job = jobs.start_export(programme=programme, exporter="report", language="ru",
                            by=colleague)
    client.force_login(staff)
    assert client.get(reverse("reporting:job_status", args=[job.pk])).status_code == 404
    client.force_login(colleague)
    assert client.get(reverse("reporting:job_status", args=[job.pk])).status_code == 200


@pytest.mark.django_db
def test_an_issued_version_not_yet_made_is_judged_by_the_appendices_it_issued(
        client, programme, staff, staff_on_the_jury, colleague, monkeypatch):  # noqa: F811
    """The version prints the appendices as issued (naming the scores), whatever they are
    now."""
    from reporting import services as report_services

    Appendix.objects.create(programme=programme, number=1, title_ru="Оценки",
                            exporters=["scores"])
    report_services.issue(programme=programme, by=colleague)
    Appendix.objects.filter(programme=programme).update(exporters=["finalists"])
    monkeypatch.setattr("reporting.jobs._queue", lambda job_id: None)  # the job is not run
    job = jobs.start_export(programme=programme, exporter="report-xlsx", language="ru",
                            by=colleague, options={"version": 1})

    client.force_login(staff)
    assert client.get(reverse("reporting:job_status", args=[job.pk])).status_code == 404


@pytest.mark.django_db
def test_a_staff_jurors_own_report_leaves_the_scores_out_and_opens_to_them(
        client, programme, staff, staff_on_the_jury, colleague, monkeypatch):  # noqa: F811
    Appendix.objects.create(programme=programme, number=1, title_ru="Оценки",
                            exporters=["scores", "finalists"])
    monkeypatch.setattr(Programme.objects, "current", lambda: programme)
    client.force_login(staff)
    client.post(reverse("reporting:index"), {
        "programme": programme.year, "exporter": "report-xlsx", "language": "ru"})
    job = ExportJob.objects.get(created_by=staff, exporter="report-xlsx")
    jobs.run(job.pk)  # the test's transaction never commits: its callback does not run
    job.refresh_from_db()
    assert job.state == ExportJob.State.DONE
    assert job.options[jobs.ATTACHED] == ["finalists"]
    assert _statuses(client, staff, job) == [200, 200, 200]
    assert _statuses(client, colleague, job) == [200, 200, 200]


@pytest.mark.django_db
def test_the_list_checks_a_staff_jurors_jobs_without_a_query_each(
        client, programme, staff, staff_on_the_jury, colleague, monkeypatch):  # noqa: F811
    """Failed and waiting jobs have no record of what they attach: worked out once per
    programme and options, not once per job."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Appendix.objects.create(programme=programme, number=1, title_ru="Оценки",
                            exporters=["scores"])
    monkeypatch.setattr(Programme.objects, "current", lambda: programme)
    client.force_login(staff)
    client.get(reverse("reporting:index"))  # the session and the visitor's first visit

    def queries_with(jobs_count):
        ExportJob.objects.filter(programme=programme).delete()
        ExportJob.objects.bulk_create(
            ExportJob(programme=programme, exporter="report-xlsx", language="ru",
                      created_by=colleague, state=ExportJob.State.FAILED)
            for _ in range(jobs_count))
        with CaptureQueriesContext(connection) as queries:
            assert not client.get(reverse("reporting:index")).context["page"].object_list
        return len(queries)

    queries_with(2)  # the visitor statistics record the first visit once
    assert queries_with(12) == queries_with(2)
