"""An export whose figures are not out yet (``Exporter.readable_once``: the vote's file until
the close) is refused to everyone, staff included, with a reason, and no job is made; the
exports page names it as available once its figures are out."""

import pytest
from django.urls import reverse

from ozgeris.models import Programme
from reporting import jobs
from reporting.models import ExportJob
from reporting.services import ReportError
from tests.factories import close_vote

pytestmark = pytest.mark.usefixtures("english")

HELD = "This export is available once its figures are out"


@pytest.fixture
def staff(staff):
    """The staff member reads the pages in English."""
    staff.preferred_language = "en"
    staff.save(update_fields=["preferred_language"])
    return staff


def _start(client, programme, exporter="votes"):
    return client.post(reverse("reporting:index"), {
        "programme": programme.year, "exporter": exporter, "language": "en"})


def _jobs(programme):
    return ExportJob.objects.filter(programme=programme, exporter="votes")


@pytest.mark.django_db
def test_staff_cannot_start_the_votes_export_before_the_close(client, staff, vote_programme):
    client.force_login(staff)

    response = _start(client, vote_programme)

    assert response.status_code == 200
    assert response.context["form"].errors["exporter"] == [
        "This export is available once its figures are out: the vote's file after the vote "
        "closes, its totals after the results are released."]
    assert not _jobs(vote_programme).exists()


@pytest.mark.django_db
def test_staff_start_the_votes_export_after_the_close(
        client, staff, vote_programme, django_capture_on_commit_callbacks):
    close_vote(vote_programme)
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = _start(client, vote_programme)

    job = _jobs(vote_programme).get()
    assert response.status_code == 302 and response.url == reverse("reporting:job",
                                                                  args=[job.pk])
    assert job.created_by == staff and job.state == ExportJob.State.DONE


@pytest.mark.django_db
def test_the_service_refuses_anyone_before_the_close(staff, auditor, vote_programme):
    """Whoever calls start_export (a view, a task, the shell), not only the page."""
    for person in (staff, auditor):
        with pytest.raises(ReportError, match=HELD):
            jobs.start_export(programme=vote_programme, exporter="votes", language="ru",
                              by=person)
    assert not _jobs(vote_programme).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("exporter", ["finalists", "voting-stats", "winners-protocol"])
def test_staff_still_start_the_other_exports_during_the_vote(staff, vote_programme, exporter):
    """The totals' exports count at the staff chart's moment during the vote: only the audit
    file, empty before the close, is held from staff."""
    job = jobs.start_export(programme=vote_programme, exporter=exporter, language="ru",
                            by=staff)

    assert job.exporter == exporter


@pytest.mark.django_db
def test_the_page_names_the_votes_export_as_available_once_its_figures_are_out(
        client, staff, vote_programme):
    assert Programme.objects.current() == vote_programme  # the form shows it first
    client.force_login(staff)

    choices = dict(client.get(reverse("reporting:index")).context["form"]
                   .fields["exporter"].choices)
    close_vote(vote_programme)
    after = dict(client.get(reverse("reporting:index")).context["form"]
                 .fields["exporter"].choices)

    assert choices["votes"] == (
        "Votes (for the auditor) (XLSX): available once its figures are out")
    assert "available" not in choices["finalists"]
    assert after["votes"] == "Votes (for the auditor) (XLSX)"
