"""Exports on the embedded default (no worker, Celery eager): the page that starts one returns
at once, the job runs in a thread of the web process and its progress, with the step's name,
can be read while it runs; job pages and lists name the export and the language."""

import threading

import pytest
from django.urls import reverse

from ozgeris.registries import exporters, register_exporter
from reporting import jobs
from reporting.models import ExportJob
from reporting.tasks import run_export

WAIT_SECONDS = 10


@pytest.fixture
def waiting_exporter():
    """An exporter that reports its first step, then waits until the test lets it finish."""
    reached, release = threading.Event(), threading.Event()

    def render(programme, options, progress):
        progress(1, 4, "Counting the guests")
        reached.set()
        release.wait(WAIT_SECONDS)
        progress(4, 4, "Writing the file")
        return "guests.xlsx", "application/octet-stream", b"PK"

    register_exporter("test-waiting", title="Guests (test)", formats=["xlsx"], render=render)
    yield reached, release
    release.set()
    exporters.unregister("test-waiting")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_export_started_without_a_worker_runs_after_the_response(client, staff,
                                                                     open_programme,
                                                                     waiting_exporter,
                                                                     monkeypatch):
    reached, release = waiting_exporter
    assert run_export.app.conf.task_always_eager  # the embedded default
    client.force_login(staff)
    # The job's thread starts only once the test has read its row: the test database (SQLite
    # in memory, one cache shared by the threads) refuses a write at once, without waiting,
    # while another thread reads or writes, as the end of the request and the test's own
    # reads do. (A file database, as the portal runs on, waits its turn instead.)
    started = threading.Event()
    run = jobs.run
    monkeypatch.setattr(jobs, "run", lambda job_id: started.wait(WAIT_SECONDS) and run(job_id))

    response = client.post(reverse("reporting:index"), {
        "programme": open_programme.year, "exporter": "test-waiting", "language": "kk"})

    job = ExportJob.objects.get(exporter="test-waiting")
    assert response.url == reverse("reporting:job", args=[job.pk])
    assert job.state == ExportJob.State.QUEUED  # the response did not wait for the job
    started.set()
    assert reached.wait(WAIT_SECONDS)
    status_url = reverse("reporting:job_status", args=[job.pk])
    status = client.get(status_url).json()
    assert (status["state"], status["percent"], status["message"]) == (
        "running", 25, "Counting the guests")
    page = client.get(response.url).content.decode()
    assert "Guests (test)" in page and "Казахский" in page
    assert 'value="25"' in page and "Counting the guests" in page

    release.set()
    worker = next(thread for thread in threading.enumerate()
                  if thread.name == f"export-{job.pk}")
    worker.join(WAIT_SECONDS)
    status = client.get(status_url).json()
    assert (status["state"], status["percent"]) == ("done", 100)
    assert b"".join(client.get(status["download"]).streaming_content) == b"PK"


@pytest.mark.django_db
def test_the_list_of_exports_names_the_export_and_the_language(client, staff, open_programme):
    ExportJob.objects.create(programme=open_programme, exporter="report", language="kk",
                             created_by=staff)
    client.force_login(staff)

    page = client.get(reverse("reporting:index")).content.decode()

    row = page[page.index('id="jobs-title"'):]
    assert f"<td>{exporters.get('report').title}</td>" in row
    assert "<td>Казахский</td>" in row
    assert "<td>report</td>" not in row and "<td>kk</td>" not in row
