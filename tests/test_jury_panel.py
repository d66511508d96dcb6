"""The jurors' panel at /jury/: who gets in, blind scoring, conflicts, results and the cut."""

import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import Status
from jury import services
from jury.models import Criterion, JuryMember, ScoreSheet

from .factories import ApplicationFactory, OrganisationFactory, seat


@pytest.fixture
def people(programme, make_user):
    juror = make_user(email="juror@a.example.kz", display_name="Juror")
    other = make_user(email="other@b.example.kz", display_name="Other")
    chair = make_user(email="chair@c.example.kz", display_name="Chair")
    staff = make_user(email="staff@example.kz", is_staff=True)
    staff.groups.add(Group.objects.get(name="Programme staff"))
    applicant = make_user(email="ngo@example.kz")
    return {"juror": seat(programme, juror), "other": seat(programme, other),
            "chair": seat(programme, chair, role="chair"), "staff": staff,
            "applicant": applicant}


def eligible(programme, **fields):
    return ApplicationFactory(programme=programme, status="eligible",
                              nomination=programme.nominations.get(code="education"),
                              project_title="Қолөнер", **fields)


def scores(programme, social, business, submit=True):
    social_id, business_id = Criterion.objects.filter(programme=programme).order_by(
        "order").values_list("pk", flat=True)
    data = {f"score_{social_id}": social, f"score_{business_id}": business}
    data["submit" if submit else "save"] = "1"
    return data


@pytest.mark.django_db
def test_the_panel_is_for_jurors_and_staff(client, programme, people):
    assert client.get("/jury/").status_code == 302  # to the sign-in page
    assert reverse("account_login") in client.get("/jury/", follow=True).redirect_chain[-1][0]
    client.force_login(people["applicant"])
    assert client.get("/jury/").status_code == 403
    client.force_login(people["juror"].user)
    assert client.get("/jury/").status_code == 200
    client.force_login(people["staff"])
    assert client.get("/jury/").status_code == 200


@pytest.mark.django_db
def test_a_juror_sees_eligible_applications_but_never_their_own_organisations(
    client, programme, people
):
    listed = eligible(programme)
    own = eligible(programme, organisation=OrganisationFactory(members=[people["juror"].user]))
    ApplicationFactory(programme=programme, status="failed_80_20", project_title="Failed one")
    client.force_login(people["juror"].user)

    page = client.get("/jury/").content.decode()

    assert listed.organisation.name in page
    assert own.organisation.name not in page
    assert "Failed one" not in page
    assert client.get(reverse("jury_panel:score", args=[own.pk])).status_code == 404


@pytest.mark.django_db
def test_a_juror_scores_blind_and_then_sees_the_others(client, programme, people):
    first, second = eligible(programme), eligible(programme)
    services.save_sheet(juror=people["other"], application=first, submit=True,
                        by=people["other"].user,
                        values={c.pk: (2, "") for c in Criterion.objects.all()})
    client.force_login(people["juror"].user)
    url = reverse("jury_panel:score", args=[first.pk])

    assert "Other</td>" not in client.get(url).content.decode()
    client.post(url, scores(programme, 4, 5, submit=False))
    assert ScoreSheet.objects.get(juror=people["juror"]).state == "draft"
    response = client.post(url, scores(programme, 4, 5))

    assert response.url == reverse("jury_panel:score", args=[second.pk])  # next unscored
    assert "Other</td>" in client.get(url).content.decode()
    assert "1 / 2" in client.get("/jury/").content.decode()


@pytest.mark.django_db
def test_scores_outside_the_scale_are_refused_with_a_message(client, programme, people):
    application = eligible(programme)
    client.force_login(people["juror"].user)
    url = reverse("jury_panel:score", args=[application.pk])

    response = client.post(url, scores(programme, 9, 3))

    assert response.status_code == 200
    assert not ScoreSheet.objects.filter(juror__programme=programme).exists()


@pytest.mark.django_db
def test_declaring_a_conflict_in_the_panel(client, programme, people):
    application = eligible(programme)
    client.force_login(people["juror"].user)

    client.post(reverse("jury_panel:conflict", args=[application.pk]),
                {"reason": "I sit on their board"})

    page = client.get(reverse("jury_panel:score", args=[application.pk])).content.decode()
    assert 'name="submit"' not in page
    client.post(reverse("jury_panel:score", args=[application.pk]), scores(programme, 5, 5))
    assert not ScoreSheet.objects.filter(juror__programme=programme).exists()


@pytest.mark.django_db
def test_results_and_the_cut_are_for_staff_and_the_chair(client, programme, people):
    top, low = eligible(programme), eligible(programme)
    for member, values in ((people["juror"], (5, 2)), (people["other"], (4, 2))):
        for application, value in zip((top, low), values, strict=True):
            services.save_sheet(juror=member, application=application, submit=True,
                                by=member.user,
                                values={c.pk: (value, "") for c in Criterion.objects.all()})
    url = reverse("jury_panel:results")

    client.force_login(people["juror"].user)
    assert client.get(url).status_code == 403
    client.force_login(people["chair"].user)
    assert client.get(url).status_code == 302  # blind: the chair scores first
    client.force_login(people["staff"])
    preview = client.post(url, {"top_n": 1, "preview": "1"}).content.decode()
    assert top.organisation.name in preview
    signature = re.search(r'name="signature" value="(\w+)"', preview).group(1)
    client.post(url, {"top_n": 1, "apply": "1", "signature": "stale"})
    top.refresh_from_db()
    assert top.status == Status.ELIGIBLE  # what is applied must be what was previewed
    client.post(url, {"top_n": 1, "apply": "1", "signature": signature})

    top.refresh_from_db()
    low.refresh_from_db()
    assert (top.status, low.status) == (Status.FINALIST, Status.NOT_SELECTED)


@pytest.mark.django_db
def test_with_no_scores_the_results_table_says_so_across_all_its_columns(
        client, programme, people):
    client.force_login(people["staff"])

    page = client.get(reverse("jury_panel:results")).content.decode()

    table = page[page.index("<table class=\"full-width\">"):]
    table = table[:table.index("</table>")]
    columns = table[:table.index("</thead>")].count("<th>")
    assert f'<td colspan="{columns}">' in table


@pytest.mark.django_db
def test_staff_see_every_jurors_progress(client, programme, people):
    eligible(programme)
    client.force_login(people["juror"].user)
    assert client.get(reverse("jury_panel:progress")).status_code == 403
    client.force_login(people["staff"])
    page = client.get(reverse("jury_panel:progress")).content.decode()
    assert "Juror" in page and "0 / 1" in page


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 300])
def test_the_jurors_list_costs_a_constant_number_of_queries(client, programme, people, count):
    for _ in range(count):
        eligible(programme)
    client.force_login(people["juror"].user)
    client.get("/jury/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/jury/")
    assert response.content.decode().count("Қолөнер") == count
    assert len(queries) <= 16


@pytest.mark.django_db
def test_an_applicant_sees_the_decision_on_the_feedback_page(client, programme, people):
    application = ApplicationFactory(programme=programme, status="not_selected",
                                     organisation=OrganisationFactory(
                                         members=[people["applicant"]]))
    client.force_login(people["applicant"])
    assert client.get(reverse("jury:feedback", args=[application.pk])).status_code == 200
    client.force_login(people["juror"].user)
    assert client.get(reverse("jury:feedback", args=[application.pk])).status_code == 404


@pytest.mark.django_db
def test_staff_who_sit_on_the_jury_are_blind_in_the_admin_too(client, programme, people,
                                                              make_user):
    """In 2019 the grantee's director sat on the jury: /admin/ must not show her the others'
    scores before she submits her own."""
    director = people["staff"]
    seat(programme, director)
    application = eligible(programme)
    services.save_sheet(juror=people["other"], application=application, submit=True,
                        by=people["other"].user,
                        values={c.pk: (2, "") for c in Criterion.objects.filter(
                            programme=programme)})
    client.force_login(director)
    url = reverse("admin:jury_scoresheet_changelist")
    others = ScoreSheet.objects.get(juror=people["other"])

    assert reverse("admin:jury_scoresheet_change", args=[others.pk]) not in client.get(
        url).content.decode()
    assert client.get(reverse("admin:jury_scoresheet_change", args=[others.pk])
                      ).status_code in (302, 404)
    services.save_sheet(juror=JuryMember.objects.get(user=director), application=application,
                        submit=True, by=director,
                        values={c.pk: (4, "") for c in Criterion.objects.filter(
                            programme=programme)})
    assert reverse("admin:jury_scoresheet_change", args=[others.pk]) in client.get(
        url).content.decode()


JURY_URLS = ["jury_panel:index", "jury_panel:conflicts", "jury_panel:results",
             "jury_panel:progress", "jury_panel:supporting", "jury_panel:score"]
# who → expected status per URL (written by hand; 302 = to the sign-in page)
EXPECTED = {
    "anonymous": {"*": 302},
    "applicant": {"*": 403},
    "juror": {"jury_panel:index": 200, "jury_panel:conflicts": 200,
              "jury_panel:results": 403, "jury_panel:progress": 403,
              "jury_panel:supporting": 200, "jury_panel:score": 200},
    # A juror in conflict abstains: the application's page stays closed to them.
    "juror_in_conflict": {"jury_panel:index": 200, "jury_panel:conflicts": 200,
                          "jury_panel:results": 403, "jury_panel:progress": 403,
                          "jury_panel:supporting": 200, "jury_panel:score": 404},
    "staff": {"jury_panel:index": 200, "jury_panel:conflicts": 200,
              "jury_panel:results": 200, "jury_panel:progress": 200,
              "jury_panel:supporting": 200, "jury_panel:score": 404},
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", list(EXPECTED))
def test_every_jury_url_answers_each_role_as_written(client, programme, people, who):
    application = eligible(programme)
    users = {"applicant": people["applicant"], "juror": people["juror"].user,
             "juror_in_conflict": people["other"].user, "staff": people["staff"]}
    services.declare_conflict(juror=people["other"], application=application,
                              reason="Board member", by=people["other"].user)
    if who in users:
        client.force_login(users[who])
    for name in JURY_URLS:
        args = [application.pk] if name == "jury_panel:score" else []
        expected = EXPECTED[who].get(name, EXPECTED[who].get("*"))
        assert client.get(reverse(name, args=args)).status_code == expected, name


@pytest.mark.django_db
def test_a_juror_cannot_withdraw_a_declared_conflict(client, programme, people):
    application = eligible(programme)
    conflict = services.declare_conflict(juror=people["juror"], application=application,
                                         reason="Board member", by=people["juror"].user)
    client.force_login(people["juror"].user)

    client.post(reverse("jury_panel:conflicts"),
                {"conflict": conflict.pk, "reason": "changed my mind", "dismiss": "1"})
    client.post(reverse("jury_panel:conflicts"), {"conflict": "x", "dismiss": "1"})

    conflict.refresh_from_db()
    assert conflict.state == "confirmed"
    with pytest.raises(services.JuryError):
        services.resolve_conflict(conflict=conflict, confirm=False, reason="x",
                                  by=people["juror"].user)


@pytest.mark.django_db
def test_bad_input_on_the_results_page_is_a_message_not_an_error(client, programme, people):
    application = eligible(programme)
    client.force_login(people["staff"])
    url = reverse("jury_panel:results")

    for data in ({"tie_break": "1", "application": "abc", "priority": "1", "reason": "r"},
                 {"tie_break": "1", "application": application.pk, "priority": "-1",
                  "reason": "r"},
                 {"top_n": "1", "preview": "1"}):  # an eligible application has no scores
        assert client.post(url, data).status_code in (200, 302, 404)
    assert not hasattr(application, "tie_break")


@pytest.mark.django_db
def test_the_cut_refuses_a_tie_across_the_line_until_the_chair_decides(programme, people):
    first, second = eligible(programme), eligible(programme)
    for application in (first, second):
        services.save_sheet(juror=people["juror"], application=application, submit=True,
                            by=people["juror"].user,
                            values={c.pk: (4, "") for c in Criterion.objects.filter(
                                programme=programme)})
    with pytest.raises(services.JuryError):
        services.propose_cut(programme=programme, top_n=1)

    services.record_tie_break(application=second, priority=1, reason="Stronger team",
                              by=people["staff"])
    proposal = dict((r.application.pk, f) for r, f in services.propose_cut(
        programme=programme, top_n=1))
    assert proposal == {second.pk: True, first.pk: False}


@pytest.mark.django_db
def test_another_jurors_draft_is_never_shown_in_the_admin(client, programme, people):
    director = people["staff"]
    own = seat(programme, director)
    application = eligible(programme)
    values = {c.pk: (3, "") for c in Criterion.objects.filter(programme=programme)}
    services.save_sheet(juror=own, application=application, submit=True, by=director,
                        values=values)
    draft = services.save_sheet(juror=people["other"], application=application,
                                by=people["other"].user, values=values)
    client.force_login(director)

    assert client.get(reverse("admin:jury_scoresheet_change", args=[draft.pk])
                      ).status_code in (302, 404)


@pytest.mark.django_db
def test_staff_override_a_failed_80_20_result_with_a_reason(client, programme, people):
    failed = ApplicationFactory(programme=programme, status="failed_80_20",
                                nomination=programme.nominations.get(code="education"))
    url = reverse("jury_panel:results")
    client.force_login(people["staff"])
    assert failed.organisation.name in client.get(url).content.decode()

    client.post(url, {"override": "1", "application": failed.pk, "reason": ""})
    failed.refresh_from_db()
    assert failed.status == Status.FAILED_80_20
    client.post(url, {"override": "1", "application": failed.pk,
                      "reason": "Grant income was booked as sales"})
    failed.refresh_from_db()
    assert failed.status == Status.ELIGIBLE
    assert failed.eligibility.overridden


@pytest.mark.django_db
@pytest.mark.parametrize("status", list(Status))
def test_the_jury_scores_exactly_what_the_report_counts_as_eligible(programme, people, status):
    """One set of statuses (applications.models.ELIGIBLE_STATUSES) for the juror's list, the
    jury's results and the report's 'eligible' figure: an application of any status is in all
    three or in none."""
    from applications import indicators
    from jury.permissions import applications_for_juror
    from jury.results import results

    application = ApplicationFactory(programme=programme, status=status,
                                     nomination=programme.nominations.get(code="education"))

    listed = applications_for_juror(people["juror"]).filter(pk=application.pk).exists()
    ranked = any(row.application.pk == application.pk for row in results(programme))
    assert listed == ranked == (indicators.eligible(programme) == 1)
