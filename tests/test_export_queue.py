"""Exports whose task never comes (Redis keeps no queue over a restart, a web process stops
between the commit and the queueing) are failed as lost instead of staying queued, so that
nobody waits for them and a read-only seat's one-export-at-a-time rule does not hold it to
them; and that rule holds when one person's requests race."""

import re
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ozgeris.registries import exporters, register_exporter
from reporting import jobs
from reporting.models import ExportJob
from reporting.tasks import run_export

WAIT_SECONDS = 30


def _start(client, programme, exporter):
    return client.post(reverse("reporting:index"), {
        "programme": programme.year, "exporter": exporter, "language": "ru"})


def _queued(programme, user, minutes_ago, exporter="finalists"):
    """A job queued ``minutes_ago`` whose task never ran."""
    job = ExportJob.objects.create(programme=programme, exporter=exporter, created_by=user)
    ExportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago))
    return job


@pytest.mark.django_db
def test_a_lost_queued_export_does_not_lock_a_seat_out(client, observer, open_programme):
    client.force_login(observer)
    _start(client, open_programme, "finalists")  # queued; its task is then lost
    lost = ExportJob.objects.get()
    ExportJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=2))

    response = _start(client, open_programme, "report")

    new = ExportJob.objects.get(exporter="report")
    assert response["Location"] == reverse("reporting:job", args=[new.pk])
    lost.refresh_from_db()
    assert (lost.state, new.state) == (ExportJob.State.FAILED, ExportJob.State.QUEUED)
    assert jobs.was_lost(lost)


@pytest.mark.django_db
def test_a_seats_export_queued_a_moment_ago_is_still_the_one_it_opens(client, observer,
                                                                      open_programme):
    client.force_login(observer)
    waiting = _queued(open_programme, observer, settings.EXPORT_STALLED_MINUTES - 1)

    response = _start(client, open_programme, "report")

    assert response["Location"] == reverse("reporting:job", args=[waiting.pk])
    assert ExportJob.objects.get().state == ExportJob.State.QUEUED


@pytest.mark.django_db
def test_a_queued_export_nobody_started_in_time_is_failed_as_lost(staff, open_programme):
    now = timezone.now()
    minutes = settings.EXPORT_STALLED_MINUTES
    lost, waiting = (_queued(open_programme, staff, ago) for ago in (minutes + 1, minutes - 1))

    assert jobs.fail_stalled(now=now) == 1

    lost.refresh_from_db()
    waiting.refresh_from_db()
    assert (lost.state, lost.finished_at) == (ExportJob.State.FAILED, now)
    assert lost.error == jobs.LOST.format(minutes=minutes) and jobs.was_lost(lost)
    assert waiting.state == ExportJob.State.QUEUED and not jobs.was_lost(waiting)


@pytest.mark.django_db
def test_a_task_arriving_late_for_a_lost_export_does_not_run_it(staff, open_programme):
    ran = []
    register_exporter("test-late", title="Late (test)", formats=["xlsx"],
                      render=lambda *args: ran.append(args) or ("late.xlsx", "x", b"PK"))
    try:
        lost = _queued(open_programme, staff, settings.EXPORT_STALLED_MINUTES + 1,
                       exporter="test-late")
        jobs.fail_stalled()

        run_export.delay(lost.pk)  # the task Redis kept after all, or a slow queue's
    finally:
        exporters.unregister("test-late")

    lost.refresh_from_db()
    assert ran == []
    assert (lost.state, lost.file.name) == (ExportJob.State.FAILED, "")
    assert jobs.was_lost(lost)


@pytest.mark.django_db
def test_staff_see_a_lost_export_failed_not_queued_for_ever(client, staff, open_programme):
    lost = _queued(open_programme, staff, 120)
    client.force_login(staff)

    listed = client.get(reverse("reporting:index")).context["page"].object_list

    assert [(item.pk, item.state) for item in listed] == [(lost.pk, ExportJob.State.FAILED)]


def status_line(page):
    """The job page's status line (the page also carries the texts its script shows later)."""
    return re.search(r'<span id="export-message"[^>]*>(.*?)</span>', page, re.S)[1]


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "text"), [
    ("ru", "Выгрузка потерялась, не успев начаться"),
    ("kk", "Экспорт басталмай жатып жоғалды"),
])
def test_the_page_of_a_lost_export_says_to_start_it_again(client, observer, open_programme,
                                                          language, text):
    lost = _queued(open_programme, observer, 120)
    client.force_login(observer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    status = client.get(reverse("reporting:job_status", args=[lost.pk])).json()
    page = client.get(reverse("reporting:job", args=[lost.pk])).content.decode()

    assert (status["state"], status["lost"]) == ("failed", True)  # the polling page's text
    assert text in status_line(page)


@pytest.mark.django_db
def test_a_lost_exports_page_starts_the_same_export_again_in_one_click(
        client, observer, open_programme, django_capture_on_commit_callbacks):
    lost = _queued(open_programme, observer, 120)
    client.force_login(observer)

    page = client.get(reverse("reporting:job", args=[lost.pk])).content.decode()
    form = re.search(r'<form method="post" action="([^"]+)" class="export-again" '
                     r'id="export-again">(.*?)</form>', page, re.S)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(2)))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form.group(1), fields)

    again = ExportJob.objects.exclude(pk=lost.pk).get(created_by=observer)
    # A job still waiting offers it hidden (the page's script shows it if the job fails).
    waiting = _queued(open_programme, observer, 0)
    page = client.get(reverse("reporting:job", args=[waiting.pk])).content.decode()
    assert 'id="export-again" hidden>' in page
    assert response["Location"] == reverse("reporting:job", args=[again.pk])
    assert (again.exporter, again.programme, again.language) == (
        lost.exporter, lost.programme, lost.language)


@pytest.mark.django_db
def test_the_page_of_an_export_that_failed_otherwise_does_not_call_it_lost(
        client, observer, open_programme):
    job = ExportJob.objects.create(programme=open_programme, exporter="finalists",
                                   created_by=observer, state=ExportJob.State.FAILED,
                                   error="disk full")
    client.force_login(observer)

    page = client.get(reverse("reporting:job", args=[job.pk])).content.decode()
    status = client.get(reverse("reporting:job_status", args=[job.pk])).json()

    assert "Выгрузка потерялась" not in status_line(page)
    assert "Не удалось выполнить выгрузку" in status_line(page)
    assert status["lost"] is False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_double_click_starts_one_export_for_a_seat(observer, open_programme):
    from django.test import Client

    from .at_once import run_at_once

    def post():
        c = Client()
        c.force_login(observer)
        return _start(c, open_programme, "report").status_code

    try:
        assert run_at_once([post] * 4) == [302] * 4
        assert ExportJob.objects.filter(created_by=observer).count() == 1
    finally:  # the export started runs in a thread (no worker here): let it end first
        for thread in threading.enumerate():
            if thread.name.startswith("export-"):
                thread.join(WAIT_SECONDS)
