"""Pages whose cost must not grow with their rows (issue 17): each is read at two sizes and
must run the same number of queries at both (equal, not "at most": a page that got cheaper
is news too, and the number is then written down again)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ApplicationFactory, OrganisationFactory, close_vote

pytestmark = pytest.mark.django_db


def _queries(client, url, **headers):
    """Queries of the third visit (the first two warm sessions, visitor cookies, caches)."""
    for _ in range(2):
        client.get(url, **headers)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def _finalists(programme, count):
    nominations = list(programme.nominations.filter(kind="ngo"))
    return [ApplicationFactory(programme=programme, status="finalist",
                               nomination=nominations[index % len(nominations)])
            for index in range(count)]


def _cast(programme, finalists, make_user, start):
    from ozgeris import memo
    from voting import services

    memo.forget()  # the ballot's facts are kept a few seconds: these finalists are new
    for index, finalist in enumerate(finalists):
        voter = make_user(email=f"guard{start + index}@example.kz")
        services.cast_vote(voter=voter, finalist=finalist)


def _sized(grow, measure, first=2, second=6):
    """The queries of ``measure()`` after ``grow(first)`` and after growing to ``second``."""
    grow(first, 0)
    small = measure()
    grow(second - first, first)
    return small, measure()


def test_the_vote_staff_dashboard(client, vote_programme, staff, make_user):
    client.force_login(staff)
    url = reverse("voting:dashboard", args=[vote_programme.year])

    def grow(count, start):
        _cast(vote_programme, _finalists(vote_programme, count), make_user, start)

    small, large = _sized(grow, lambda: _queries(client, url))
    assert small == large


def test_the_finalist_page(client, vote_programme, make_user):
    finalist = _finalists(vote_programme, 1)[0]
    url = reverse("voting:finalist", args=[finalist.pk])

    def grow(count, start):
        _cast(vote_programme, [finalist] + _finalists(vote_programme, count - 1), make_user,
              start)

    small, large = _sized(grow, lambda: _queries(client, url))
    assert small == large


def _released(programme, staff, make_user, count, start):
    from voting import results

    finalists = _finalists(programme, count)
    _cast(programme, finalists, make_user, start)
    close_vote(programme)
    results.publish_head(programme)
    results.release_results(programme=programme, by=staff)
    results.declare_winners(programme=programme, by=staff, winners=finalists[:1])
    return programme


@pytest.mark.parametrize("page", ["voting:results", "laureates"])
def test_the_released_results_and_laureates(client, staff, make_user, page):
    """Two programmes of different sizes, each released: the page costs the same for both."""
    from datetime import timedelta

    from django.utils import timezone

    from ozgeris.models import Nomination, Programme

    def programme(year, count):
        now = timezone.now()
        edition = Programme.objects.create(
            year=year, title_ru=f"П {year}", title_kk=f"С {year}", title_en=f"A {year}",
            intake_opens_at=now - timedelta(days=40), intake_closes_at=now - timedelta(days=30),
            scoring_opens_at=now - timedelta(days=29), scoring_closes_at=now - timedelta(days=20),
            voting_opens_at=now - timedelta(days=1), voting_closes_at=now + timedelta(days=1),
            ceremony_at=now + timedelta(days=10))
        for order, code in enumerate(["education", "health", "ecology"], start=1):
            Nomination.objects.create(programme=edition, code=code, order=order,
                                      title_ru=code, title_kk=code, title_en=code)
        return _released(edition, staff, make_user, count, start=year * 10)

    small = programme(2032, 2)
    large = programme(2033, 6)
    assert (_queries(client, reverse(page, args=[small.year]))
            == _queries(client, reverse(page, args=[large.year])))


def test_the_applicants_feedback_page(client, programme, make_user):
    """The feedback of an application with two jurors' scores and with five."""
    from django.utils import timezone

    from jury.models import Score, ScoreSheet
    from tests.factories import juror

    member = make_user(email="ngo@example.kz")
    client.force_login(member)
    organisation = OrganisationFactory(members=[member])
    criteria = list(programme.criteria.all())

    def application_scored_by(count, prefix, nomination):
        application = ApplicationFactory(programme=programme, organisation=organisation,
                                         nomination=programme.nominations.get(code=nomination),
                                         status="not_selected")
        for index in range(count):
            sheet = ScoreSheet.objects.create(
                juror=juror(programme, make_user, f"{prefix}{index}"), application=application,
                state=ScoreSheet.State.SUBMITTED, submitted_at=timezone.now(),
                overall_comment=f"Comment {index}")
            for criterion in criteria:
                Score.objects.create(sheet=sheet, criterion=criterion, value=3,
                                     comment=f"Why {index}")
        return application

    small = application_scored_by(2, "Small", "education")
    large = application_scored_by(5, "Large", "health")
    assert (_queries(client, reverse("jury:feedback", args=[small.pk]))
            == _queries(client, reverse("jury:feedback", args=[large.pk])))


def test_the_contracts_list(client, programme, make_user, staff):
    from applications import services as application_services
    from events import services

    member = make_user(email="winner@example.kz")
    client.force_login(member)
    url = reverse("events:contracts")

    def grow(count, start):
        for _ in range(count):
            application = ApplicationFactory(programme=programme, status="finalist",
                                             organisation=OrganisationFactory(members=[member]))
            application_services.change_status(application=application, to="winner", by=staff)
        services.create_contracts(programme=programme, by=staff)

    small, large = _sized(grow, lambda: _queries(client, url))
    assert small == large


def test_the_exports_page(client, open_programme, staff):
    from reporting.models import ExportJob

    client.force_login(staff)
    url = reverse("reporting:index")

    def grow(count, start):
        for _ in range(count):
            ExportJob.objects.create(programme=open_programme, created_by=staff,
                                     exporter="report", language="ru")

    small, large = _sized(grow, lambda: _queries(client, url))
    assert small == large


@pytest.mark.parametrize("model", ["indicator", "activity"])
def test_the_reporting_admin_changelists(client, open_programme, staff, model):
    from reporting.models import Activity, Indicator, Task

    client.force_login(staff)
    url = reverse(f"admin:reporting_{model}_changelist")
    task = Task.objects.create(programme=open_programme, number=1, title_ru="Задача")

    def grow(count, start):
        for index in range(start, start + count):
            activity = Activity.objects.create(task=task, number=index + 1,
                                               title_ru=f"Мероприятие {index}")
            Indicator.objects.create(activity=activity, title_ru=f"Показатель {index}")

    small, large = _sized(grow, lambda: _queries(client, url))
    assert small == large
