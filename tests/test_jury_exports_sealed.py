"""A staff member with a seat on an edition's jury reads neither its scores nor its minutes
before the results are applied: they carry every juror's scores and comments, those on the
application the person abstains on among them (ozgeris.reader_seats, Exporter.sealed_for)."""

import pytest
from django.urls import reverse

from jury import services
from ozgeris.reader_seats import may_read_export
from reporting.models import ExportJob

from .factories import juror, score, seat
from .test_jury_exports import add_applications

SEALED = ("scores", "jury-protocol")


@pytest.fixture
def staff_on_the_jury(programme, make_user, staff):
    """The reviewer's case: staff sit on the jury and abstain on an application another
    juror scored with a remark."""
    staff_seat = seat(programme, staff)
    other = juror(programme, make_user, "Other")
    [application] = add_applications(programme, [], staff, ["Advised Fund"])
    services.declare_conflict(juror=staff_seat, application=application,
                              reason="I advise them", by=staff)
    score(other, application, 5, 3, comment="SECRET-REMARK")
    return other


@pytest.mark.django_db
@pytest.mark.parametrize("name", SEALED)
def test_a_staff_juror_reads_the_scores_and_minutes_only_once_the_results_are_applied(
        programme, staff, staff_on_the_jury, name):
    assert not may_read_export(staff, name, programme)
    assert may_read_export(staff, "finalists", programme)  # no juror's score in it

    services.apply_cut(programme=programme, top_n=1, by=staff)
    assert may_read_export(staff, name, programme)


@pytest.mark.django_db
def test_staff_off_the_jury_still_read_them(
        programme, staff, staff_on_the_jury, make_user):
    from django.contrib.auth.models import Group

    colleague = make_user(email="colleague@example.kz", is_staff=True)
    colleague.groups.add(Group.objects.get(name="Programme staff"))
    assert all(may_read_export(colleague, name, programme) for name in SEALED)


@pytest.mark.django_db
def test_the_reports_page_neither_offers_nor_starts_them_for_a_staff_juror(
        client, programme, staff, staff_on_the_jury, monkeypatch):
    from ozgeris.models import Programme

    monkeypatch.setattr(Programme.objects, "current", lambda: programme)
    client.force_login(staff)
    offered = [name for name, _label in client.get(reverse("reporting:index"))
               .context["form"].fields["exporter"].choices]
    assert not set(SEALED) & set(offered)
    assert "finalists" in offered
    for name in SEALED:
        response = client.post(reverse("reporting:index"), {
            "programme": programme.year, "exporter": name, "language": "ru"})
        assert response.status_code == 200
        assert "exporter" in response.context["form"].errors
    assert not ExportJob.objects.filter(created_by=staff).exists()


@pytest.mark.django_db
def test_a_staff_jurors_grant_report_attaches_no_sealed_export(
        client, programme, staff, staff_on_the_jury, monkeypatch):
    """The grant report's companion attaches its appendices' exports: the scores among them
    would reach the juror through it."""
    from ozgeris.models import Programme
    from reporting.companion import _attached
    from reporting.models import Appendix

    monkeypatch.setattr(Programme.objects, "current", lambda: programme)
    monkeypatch.setattr("reporting.jobs._queue", lambda job_id: None)  # the job is not run
    client.force_login(staff)
    client.post(reverse("reporting:index"), {
        "programme": programme.year, "exporter": "report-xlsx", "language": "ru"})
    options = ExportJob.objects.get(created_by=staff, exporter="report-xlsx").options
    appendix = Appendix(programme=programme, number=1, title_ru="Приложение",
                        exporters=["scores", "finalists"])

    assert set(SEALED) <= set(options["sealed"])
    assert _attached([appendix], programme, sealed=set(options["sealed"])) == ["finalists"]
