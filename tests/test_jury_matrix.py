"""The juror's scoring matrix and landing page at /jury/ (issue 19): the page is new, the rules
are jury.services's and must hold through it — blind scoring, abstaining in a conflict, one
submission per sheet, nothing of another programme's."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jury import services
from jury.models import SCORE_MAX, SCORE_MIN, Conflict, Criterion, ScoreSheet

from .factories import ApplicationFactory, seat


@pytest.fixture
def juror(programme, make_user):
    return seat(programme, make_user(email="juror@a.example.kz", display_name="Juror"))


@pytest.fixture
def other(programme, make_user):
    return seat(programme, make_user(email="other@b.example.kz", display_name="Other Juror"))


def eligible(programme, name):
    """An eligible application; organisations sort by name, so the juror's list order is
    the order of ``name``."""
    return ApplicationFactory(programme=programme, status="eligible",
                              nomination=programme.nominations.get(code="education"),
                              organisation__name=name, project_title=f"Проект {name}")


def criteria(programme):
    return list(Criterion.objects.filter(programme=programme))


def posted(programme, value, button="save", comment=""):
    data = {button: "1", "overall_comment": comment}
    for criterion in criteria(programme):
        data[f"score_{criterion.pk}"] = value
        data[f"comment_{criterion.pk}"] = ""
    return data


def matrix_url(application):
    return reverse("jury_panel:score", args=[application.pk])


def sheet_of(member, application):
    return ScoreSheet.objects.filter(juror=member, application=application).first()


# The matrix -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_matrix_is_a_fieldset_per_criterion_with_the_scale_as_radios(
    client, programme, juror
):
    application = eligible(programme, "А")
    client.force_login(juror.user)

    page = client.get(matrix_url(application)).content.decode()

    rows = re.findall(r'<fieldset class="matrix-row">\s*<legend class="matrix-criterion">'
                      r'(.*?)</legend>(.*?)</fieldset>', page, re.S)
    assert [legend for legend, _body in rows] == [c.title for c in criteria(programme)]
    for criterion, (_legend, body) in zip(criteria(programme), rows, strict=True):
        values = re.findall(rf'type="radio" name="score_{criterion.pk}" value="(\d+)"', body)
        assert values == [str(n) for n in range(SCORE_MIN, SCORE_MAX + 1)]
        # The large target shows the number and the label's words once, not "4 — 4 — good".
        assert '<span class="matrix-number">4</span> <span class="matrix-words">хорошо</span>' \
            in body
    assert "Ещё не оценено." in page  # the sheet's state, in words


@pytest.mark.django_db
def test_save_and_next_keeps_a_draft_and_opens_the_next_application_to_score(
    client, programme, juror
):
    first, second, third = (eligible(programme, name) for name in ("А", "Б", "В"))
    client.force_login(juror.user)

    response = client.post(matrix_url(second), posted(programme, 4, "save_next"))

    assert response.url == matrix_url(third)  # the one after it, not back to the list
    assert sheet_of(juror, second).state == ScoreSheet.State.DRAFT
    # From the last one it wraps round to the first, skipping nothing still to score.
    assert client.post(matrix_url(third), posted(programme, 3, "save_next")).url == \
        matrix_url(first)
    # A plain save stays on the sheet and says it is a draft.
    assert client.post(matrix_url(first), posted(programme, 2)).url == matrix_url(first)
    assert "sheet-state-draft" in client.get(matrix_url(first)).content.decode()


@pytest.mark.django_db
def test_submitting_moves_on_and_the_sheet_is_then_final(client, programme, juror):
    first, second = eligible(programme, "А"), eligible(programme, "Б")
    client.force_login(juror.user)

    response = client.post(matrix_url(first), posted(programme, 5, "submit"))
    assert response.url == matrix_url(second)
    page = client.get(matrix_url(first)).content.decode()
    assert "sheet-state-submitted" in page
    assert 'name="submit"' not in page and 'name="save_next"' not in page

    for button in ("save", "save_next", "submit"):  # submit once: no button reopens it
        client.post(matrix_url(first), posted(programme, 1, button))
    sheet = sheet_of(juror, first)
    assert sheet.state == ScoreSheet.State.SUBMITTED
    assert sorted(sheet.scores.values_list("value", flat=True)) == [5, 5]


@pytest.mark.django_db
def test_a_submission_needs_every_criterion_and_says_so_on_the_page(client, programme, juror):
    application = eligible(programme, "А")
    first_criterion = criteria(programme)[0]
    client.force_login(juror.user)

    response = client.post(matrix_url(application),
                           {f"score_{first_criterion.pk}": 4, "submit": "1"})

    assert response.status_code == 200
    assert "Перед отправкой оцените все критерии." in response.content.decode()
    assert sheet_of(juror, application) is None


@pytest.mark.django_db
def test_the_matrix_is_blind_until_the_jurors_own_sheet_is_submitted(
    client, programme, juror, other
):
    application = eligible(programme, "А")
    services.save_sheet(juror=other, application=application, submit=True, by=other.user,
                        values={c.pk: (2, "") for c in criteria(programme)})
    client.force_login(juror.user)

    assert "Other Juror" not in client.get(matrix_url(application)).content.decode()
    client.post(matrix_url(application), posted(programme, 4, "submit"))

    page = client.get(matrix_url(application)).content.decode()
    assert 'class="module box matrix-others"' in page and "Other Juror" in page


@pytest.mark.django_db
def test_a_conflicted_application_is_closed_and_never_offered_as_next(
    client, programme, juror
):
    first, conflicted, third = (eligible(programme, name) for name in ("А", "Б", "В"))
    services.declare_conflict(juror=juror, application=conflicted, reason="Board member",
                              by=juror.user)
    client.force_login(juror.user)

    assert client.get(matrix_url(conflicted)).status_code == 404
    assert client.post(matrix_url(conflicted), posted(programme, 5, "submit")
                       ).status_code == 404
    assert sheet_of(juror, conflicted) is None
    assert client.post(matrix_url(first), posted(programme, 4, "save_next")).url == \
        matrix_url(third)


@pytest.mark.django_db
def test_a_pending_conflict_also_keeps_the_juror_out_until_dismissed(
    client, programme, juror
):
    application = eligible(programme, "А")
    Conflict.objects.create(juror=juror, application=application, kind="possible",
                            state="pending", match="shared domain example.kz")
    client.force_login(juror.user)

    assert client.get(matrix_url(application)).status_code == 404


@pytest.mark.django_db
def test_another_programmes_application_cannot_be_opened_by_url(
    client, programme, juror, make_user, demo_programme
):
    earlier = demo_programme
    theirs = ApplicationFactory(programme=earlier, status="eligible",
                                nomination=earlier.nominations.order_by("pk").first())
    client.force_login(juror.user)
    assert client.get(matrix_url(theirs)).status_code == 404
    assert client.post(matrix_url(theirs), posted(programme, 5, "submit")).status_code == 404

    # A juror of an earlier programme only has no seat on the current panel's applications.
    former = seat(earlier, make_user(email="former@c.example.kz"))
    client.force_login(former.user)
    assert client.get(matrix_url(eligible(programme, "А"))).status_code == 404
    assert not ScoreSheet.objects.filter(application=theirs).exists()


# The landing page -----------------------------------------------------------------------

@pytest.mark.django_db
def test_the_landing_page_shows_progress_conflicts_and_the_next_application(
    client, programme, juror
):
    done, pending, conflicted, waiting = (eligible(programme, name)
                                          for name in ("А", "Б", "В", "Г"))
    services.save_sheet(juror=juror, application=done, submit=True, by=juror.user,
                        values={c.pk: (3, "") for c in criteria(programme)})
    Conflict.objects.create(juror=juror, application=pending, kind="possible",
                            state="pending", match="shared domain b.example.kz")
    services.declare_conflict(juror=juror, application=conflicted, reason="Board member",
                              by=juror.user)
    client.force_login(juror.user)

    page = client.get(reverse("jury_panel:index")).content.decode()

    assert "Оценено: 1 / 2" in page  # the pending conflict is left out until decided
    assert "Осталось оценить 1 заявку." in page
    next_card = page.split('class="jury-card jury-card-next"')[1].split("</section>")[0]
    assert matrix_url(waiting) in next_card and waiting.organisation.name in next_card
    conflicts = page.split('class="jury-conflicts"')[1].split("</ul>")[0]
    assert pending.organisation.name in conflicts and "b.example.kz" in conflicts
    assert conflicted.organisation.name not in conflicts  # declared: nothing to decide


@pytest.mark.django_db
def test_the_landing_page_costs_the_same_queries_at_one_and_three_applications(
    client, programme, juror
):
    def queries_for_page():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("jury_panel:index"))
        assert response.status_code == 200
        return len(queries)

    def add(name):
        application = eligible(programme, name)
        Conflict.objects.create(juror=juror, application=eligible(programme, f"{name}-к"),
                                kind="possible", state="pending", match="domain")
        services.save_sheet(juror=juror, application=application, by=juror.user,
                            values={c.pk: (3, "") for c in criteria(programme)})

    client.force_login(juror.user)
    add("А")
    client.get(reverse("jury_panel:index"))  # the session and caches warm up
    one = queries_for_page()
    add("Б")
    add("В")

    assert queries_for_page() == one
