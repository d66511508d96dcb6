"""The applications of an edition for the read-only seats and staff (issue 18,
``reporting/overview_views.py``): statuses always, the jury's ranks and totals only once its
results are applied, never a person, a document or a juror."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jury import services

from .factories import ApplicationFactory, OrganisationFactory, bulk_scored, juror, score

JUROR_COMMENT = "Secret juror comment"


def _url(programme, page=None):
    address = reverse("reporting:applications_overview", args=[programme.year])
    return f"{address}?page={page}" if page else address


def _eligible(programme, nomination="education", **fields):
    return ApplicationFactory(programme=programme, status="eligible",
                              nomination=programme.nominations.get(code=nomination), **fields)


@pytest.fixture
def judged(programme, make_user):
    """Two eligible applications in one nomination scored by one juror, a draft, a withdrawn
    one and one whose documents were rejected."""
    member = juror(programme, make_user, "secretjuror")
    top = _eligible(programme, organisation=OrganisationFactory(
        name="ОФ «Жоғарғы»", contact_person="Private Person", contact_email="private@ngo.kz"))
    low = _eligible(programme, organisation=OrganisationFactory(name="ОО «Төменгі»"))
    score(member, top, 5, 5, comment=JUROR_COMMENT)
    score(member, low, 2, 3, comment=JUROR_COMMENT)
    ApplicationFactory(programme=programme, status="draft",
                       organisation=OrganisationFactory(name="Черновик-НКО"))
    ApplicationFactory(programme=programme, status="withdrawn",
                       organisation=OrganisationFactory(name="Отозванная-НКО"))
    ApplicationFactory(programme=programme, status="documents_rejected",
                       organisation=OrganisationFactory(name="ОО «Отклонённая»"))
    return {"top": top, "low": low, "juror": member}


def _rows(response):
    return {row.organisation: row for row in response.context["page"].object_list}


# Before and after the jury's results --------------------------------------------------------

@pytest.mark.django_db
def test_before_the_cut_the_page_shows_statuses_and_no_rank_or_total(client, observer, judged):
    client.force_login(observer)
    response = client.get(_url(judged["top"].programme))

    assert response.status_code == 200
    rows = _rows(response)
    assert set(rows) == {"ОФ «Жоғарғы»", "ОО «Төменгі»", "ОО «Отклонённая»"}
    assert rows["ОФ «Жоғарғы»"].status == "eligible"
    assert not response.context["results_applied"]
    assert all(row.rank is None and row.total is None for row in rows.values())
    assert "ещё не применены" in response.content.decode()


@pytest.mark.django_db
def test_the_reports_results_table_waits_for_the_cut_too(staff, judged):
    """A draft report (staff's, or an observer's) gives no rank or total before the cut, as
    this page does not."""
    from ozgeris.registries import table_sources

    programme = judged["top"].programme
    table = table_sources.get("jury.results")
    assert table(programme)[1] == []

    services.apply_cut(programme=programme, top_n=1, by=staff)
    ranks = {row[1]: row[3] for row in table(programme)[1]}
    assert ranks["ОФ «Жоғарғы»"] == 1 and ranks["ОО «Төменгі»"] == 2


@pytest.mark.django_db
def test_after_the_cut_each_ranked_application_shows_its_rank_total_and_decision(
    client, observer, staff, judged
):
    programme = judged["top"].programme
    services.apply_cut(programme=programme, top_n=1, by=staff)
    client.force_login(observer)
    response = client.get(_url(programme))

    rows = _rows(response)
    assert response.context["results_applied"]
    top, low = rows["ОФ «Жоғарғы»"], rows["ОО «Төменгі»"]
    assert (top.status, top.rank, top.total) == ("finalist", 1, pytest.approx(10.0))
    assert (low.status, low.rank) == ("not_selected", 2)
    assert rows["ОО «Отклонённая»"].rank is None
    content = response.content.decode()
    assert "место 1" in content and "финалист" in content
    assert "ещё не применены" not in content


@pytest.mark.django_db
def test_the_page_carries_no_person_document_or_juror(client, observer, staff, judged):
    services.apply_cut(programme=judged["top"].programme, top_n=1, by=staff)
    client.force_login(observer)
    response = client.get(_url(judged["top"].programme))
    content = response.content.decode()

    assert response.status_code == 200
    assert "ОФ «Жоғарғы»" in content and "ОО «Төменгі»" in content  # the page lists them
    for secret in ("Private Person", "private@ngo.kz", "Айгүл Серікқызы", "@example.kz",
                   "secretjuror", JUROR_COMMENT, "+7 701", "/documents/",
                   "Черновик-НКО", "Отозванная-НКО"):
        assert secret not in content, secret


@pytest.mark.django_db
def test_nominations_are_named_in_the_readers_language(client, observer, judged):
    programme = judged["top"].programme
    programme.nominations.filter(code="education").update(title_ru="Образование",
                                                          title_kk="Білім беру")
    client.force_login(observer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"

    content = client.get(_url(programme)).content.decode()
    assert "Білім беру" in content and "2031 жылғы өтінімдер" in content


# Who may read it -----------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("role", ["observer", "auditor", "staff"])
def test_both_seats_and_staff_read_it(client, request, programme, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(_url(programme)).status_code == 200


@pytest.mark.django_db
def test_anyone_else_is_refused(client, programme, make_user):
    response = client.get(_url(programme))
    assert response.status_code == 302 and "login" in response["Location"]
    applicant = make_user(email="ngo@example.kz")
    OrganisationFactory(members=[applicant])
    client.force_login(applicant)
    assert client.get(_url(programme)).status_code == 403
    client.force_login(juror(programme, make_user, "member").user)
    assert client.get(_url(programme)).status_code == 403


@pytest.mark.django_db
def test_a_post_changes_nothing(client, observer, judged):
    client.force_login(observer)
    response = client.post(_url(judged["top"].programme), {"status": "winner"})
    assert response.status_code == 405
    judged["top"].refresh_from_db()
    assert judged["top"].status == "eligible"


@pytest.mark.django_db
def test_an_unknown_year_is_not_found(client, observer, programme):
    client.force_login(observer)
    assert client.get(reverse("reporting:applications_overview", args=[1999])).status_code == 404


@pytest.mark.django_db
def test_the_reports_page_links_to_it(client, observer, programme):
    client.force_login(observer)
    assert _url(programme) in client.get(reverse("reporting:index")).content.decode()


# Pages and queries ----------------------------------------------------------------------------

def _scored(programme, members, count):
    """``count`` eligible applications, each scored by every one of ``members``."""
    bulk_scored(members, [_eligible(programme) for _ in range(count)])


def _applied_edition(programme, make_user, count):
    """``count`` scored eligible applications, the cut applied; returns the jurors."""
    members = [juror(programme, make_user, f"j{i}") for i in range(2)]
    _scored(programme, members, count)
    staff = make_user(email="cutter@example.kz", is_staff=True)
    staff.groups.add(Group.objects.get(name="Programme staff"))
    services.apply_cut(programme=programme, threshold=0, by=staff)
    return members


@pytest.mark.django_db
def test_fifty_applications_a_page(client, observer, programme, make_user):
    _applied_edition(programme, make_user, 51)
    client.force_login(observer)

    first = client.get(_url(programme))
    assert len(first.context["page"].object_list) == 50
    assert first.context["count"] == 51
    assert "?page=2" in first.content.decode()
    assert len(client.get(_url(programme, page=2)).context["page"].object_list) == 1


@pytest.mark.django_db
def test_the_query_count_does_not_grow_with_the_edition(client, observer, programme, make_user):
    members = _applied_edition(programme, make_user, 3)
    client.force_login(observer)
    for _warm_up in range(2):  # the visitor's cookie, then their day counted once
        client.get(_url(programme))

    def queries_of_a_page():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(_url(programme))
        assert response.context["results_applied"]
        return len(response.context["page"].object_list), len(queries)

    few = queries_of_a_page()
    _scored(programme, members, 60)
    many = queries_of_a_page()
    assert (few[0], many[0]) == (3, 50)
    assert few[1] == many[1]
