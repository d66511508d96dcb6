"""Who stands aside decides nothing: the one rule of ``jury.permissions.in_conflict`` (a member
of the applying organisation, or a seat with a conflict that is not dismissed, pending
included) binds scoring, the results table and the jury's decisions (80/20 overrides, tie
breaks); and nobody revisits their own conflict with the staff's power."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import Status
from jury import services
from jury.models import Conflict, TieBreak
from jury.permissions import in_conflict

from .factories import ApplicationFactory, OrganisationFactory, juror, score, seat

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "english_pages")]

REFUSED = "conflict of interest"


def screened(programme, name, passes=True, members=()):
    return ApplicationFactory(
        programme=programme, status="screened",
        organisation=OrganisationFactory(name=name, members=list(members)),
        nomination=programme.nominations.get(code="education"), project_title=f"P {name}",
        total_income=100, entrepreneurial_income=40 if passes else 5,
        income_share=40 if passes else 5, income_share_threshold=20, passes_80_20=passes)


def decided(programme, staff, *applications):
    services.decide_eligibility(programme=programme, by=staff)
    for application in applications:
        application.refresh_from_db()
    return applications


@pytest.fixture
def chair(programme, make_user):
    return seat(programme, make_user(email="chair@example.kz", display_name="Chair"),
                role="chair")


@pytest.fixture
def other(programme, make_user):
    return juror(programme, make_user, "Other")


# 80/20 overrides -------------------------------------------------------------------

def test_a_chair_cannot_override_the_80_20_result_of_their_own_organisation(
        programme, staff, chair):
    """Membership is enough: no conflict record needed, before staff detect conflicts."""
    own, = decided(programme, staff, screened(programme, "Chair Own Fund", passes=False,
                                              members=[chair.user]))
    assert own.status == Status.FAILED_80_20
    with pytest.raises(services.JuryError, match=REFUSED):
        services.reverse_eligibility(application=own, by=chair.user, reason="misfiled")
    own.refresh_from_db()
    assert own.status == Status.FAILED_80_20


@pytest.mark.parametrize("state", [Conflict.State.CONFIRMED, Conflict.State.PENDING])
def test_a_chair_in_conflict_cannot_override_the_80_20_result(programme, staff, chair, state):
    application, = decided(programme, staff, screened(programme, "Friends Fund"))
    Conflict.objects.create(juror=chair, application=application, kind=Conflict.Kind.POSSIBLE,
                            state=state, match="friends")
    with pytest.raises(services.JuryError, match=REFUSED):
        services.override_eligibility(application=application, eligible=False,
                                      reason="no", by=chair.user)
    application.refresh_from_db()
    assert application.status == Status.ELIGIBLE


def test_a_dismissed_conflict_lets_the_chair_override(programme, staff, chair):
    application, = decided(programme, staff, screened(programme, "Friends Fund"))
    Conflict.objects.create(juror=chair, application=application, kind=Conflict.Kind.POSSIBLE,
                            state=Conflict.State.DISMISSED, match="friends", reason="no link")
    services.override_eligibility(application=application, eligible=False, reason="no",
                                  by=chair.user)
    application.refresh_from_db()
    assert application.status == Status.FAILED_80_20


def test_staff_decide_unless_the_application_is_their_own_organisation(
        programme, staff, make_user):
    colleague = make_user(email="colleague@example.kz", is_staff=True)
    colleague.groups.add(Group.objects.get(name="Programme staff"))
    theirs, neutral = decided(programme, staff,
                              screened(programme, "Colleague Fund", False, [colleague]),
                              screened(programme, "Neutral Fund", False))
    assert in_conflict(colleague, theirs) and not in_conflict(colleague, neutral)
    with pytest.raises(services.JuryError, match=REFUSED):
        services.reverse_eligibility(application=theirs, by=colleague, reason="misfiled")
    services.reverse_eligibility(application=neutral, by=colleague, reason="misfiled")
    services.reverse_eligibility(application=theirs, by=staff, reason="misfiled")
    theirs.refresh_from_db()
    neutral.refresh_from_db()
    assert theirs.status == neutral.status == Status.ELIGIBLE


# Tie breaks ------------------------------------------------------------------------

def tied_pair(programme, staff, chair, other):
    mine, rival = decided(programme, staff, screened(programme, "Chair Friends Fund"),
                          screened(programme, "Rival Fund"))
    services.declare_conflict(juror=chair, application=mine, reason="my friends",
                              by=chair.user)
    score(other, mine, 4, 4)
    score(other, rival, 4, 4)
    score(chair, rival, 4, 4)
    return mine, rival


def test_a_chair_in_conflict_cannot_break_the_tie_of_the_application(
        programme, staff, chair, other):
    mine, rival = tied_pair(programme, staff, chair, other)
    with pytest.raises(services.JuryError, match=REFUSED):
        services.record_tie_break(application=mine, priority=1, reason="tie", by=chair.user)
    assert not TieBreak.objects.filter(application__in=[mine, rival]).exists()


def test_a_chair_in_conflict_cannot_break_the_tie_from_the_other_side(
        programme, staff, chair, other):
    """Ranking the rival second is ranking the chair's friends first."""
    mine, rival = tied_pair(programme, staff, chair, other)
    with pytest.raises(services.JuryError, match="tied with this one"):
        services.record_tie_break(application=rival, priority=2, reason="tie", by=chair.user)
    # Once staff have broken the tie the group is still the same: no change by the chair.
    services.record_tie_break(application=rival, priority=1, reason="tie", by=staff)
    with pytest.raises(services.JuryError, match="tied with this one"):
        services.record_tie_break(application=rival, priority=9, reason="tie", by=chair.user)
    assert TieBreak.objects.get().priority == 1


def test_a_chair_without_a_conflict_in_the_group_breaks_the_tie(
        programme, staff, chair, other):
    mine, rival = tied_pair(programme, staff, chair, other)
    lower, = decided(programme, staff, screened(programme, "Lower Fund"))
    score(other, lower, 1, 1)
    score(chair, lower, 1, 1)
    third, = decided(programme, staff, screened(programme, "Third Fund"))
    fourth, = decided(programme, staff, screened(programme, "Fourth Fund"))
    for application in (third, fourth):
        score(other, application, 2, 2)
        score(chair, application, 2, 2)
    services.record_tie_break(application=third, priority=1, reason="tie", by=chair.user)
    assert TieBreak.objects.get().application == third


# Own conflicts ---------------------------------------------------------------------

def test_a_staff_juror_cannot_dismiss_their_own_conflict(programme, staff, make_user):
    staff_seat = seat(programme, staff)
    application, = decided(programme, staff, screened(programme, "Same Foundation"))
    conflict = Conflict.objects.create(juror=staff_seat, application=application,
                                       kind=Conflict.Kind.POSSIBLE,
                                       state=Conflict.State.CONFIRMED, reason="same foundation")
    with pytest.raises(services.JuryError, match="Another member of the programme staff"):
        services.resolve_conflict(conflict=conflict, confirm=False, reason="not really",
                                  by=staff)
    conflict.refresh_from_db()
    assert conflict.state == Conflict.State.CONFIRMED
    colleague = make_user(email="colleague@example.kz", is_staff=True)
    colleague.groups.add(Group.objects.get(name="Programme staff"))
    services.resolve_conflict(conflict=conflict, confirm=False, reason="not really",
                              by=colleague)
    conflict.refresh_from_db()
    assert conflict.state == Conflict.State.DISMISSED


def test_a_staff_juror_still_decides_their_own_pending_conflict(programme, staff):
    staff_seat = seat(programme, staff)
    application, = decided(programme, staff, screened(programme, "Same Foundation"))
    conflict = Conflict.objects.create(juror=staff_seat, application=application,
                                       kind=Conflict.Kind.POSSIBLE,
                                       state=Conflict.State.PENDING, match="same")
    services.resolve_conflict(conflict=conflict, confirm=False, reason="no link", by=staff)
    conflict.refresh_from_db()
    assert conflict.state == Conflict.State.DISMISSED


# The results page ------------------------------------------------------------------

def row_of(html, name):
    start = html.rindex("<tr>", 0, html.index(name, html.index("<tbody>")))
    return html[start:html.index("</tr>", start)]


def test_the_results_page_hides_rank_proposal_and_tie_break_of_a_conflicted_row(
        client, programme, staff, chair, other):
    mine, rival = tied_pair(programme, staff, chair, other)
    client.force_login(chair.user)
    html = client.get(reverse("jury_panel:results"), {"top_n": 2}).content.decode()
    masked, shown = row_of(html, "Chair Friends Fund"), row_of(html, "Rival Fund")
    assert "<td>1" in shown and 'name="tie_break"' in shown and "finalist" in shown
    assert "<td>1" not in masked and 'name="tie_break"' not in masked
    assert "finalist" not in masked and "not selected" not in masked
    assert "scores hidden" in masked


def test_a_masked_row_comes_after_the_others_so_its_place_does_not_say_its_rank(
        client, programme, staff, chair, other):
    top, friends, low = decided(programme, staff, screened(programme, "Top Fund"),
                                screened(programme, "Chair Friends Fund"),
                                screened(programme, "Low Fund"))
    services.declare_conflict(juror=chair, application=friends, reason="my friends",
                              by=chair.user)
    for application, value in ((top, 5), (friends, 4), (low, 2)):
        score(other, application, value, value)
    score(chair, top, 5, 5)
    score(chair, low, 2, 2)
    client.force_login(chair.user)

    html = client.get(reverse("jury_panel:results")).content.decode()

    rows = [html.index(name, html.index("<tbody>"))
            for name in ("Top Fund", "Low Fund", "Chair Friends Fund")]
    assert rows == sorted(rows)  # ranked 2nd, it is listed last


def test_the_results_page_masks_the_viewers_own_organisation_before_conflicts_are_detected(
        client, programme, staff, chair, other):
    own, rival = decided(programme, staff,
                         screened(programme, "Chair Own Fund", members=[chair.user]),
                         screened(programme, "Rival Fund", passes=False))
    score(other, own, 5, 3)
    assert not Conflict.objects.filter(application__programme=programme).exists()
    client.force_login(chair.user)
    html = client.get(reverse("jury_panel:results")).content.decode()
    masked = row_of(html, "Chair Own Fund")
    assert "scores hidden" in masked and "5.00" not in masked and "8.00" not in masked
    assert "<td>1" not in masked
    # Nor may the chair override their own organisation's 80/20 result from here.
    services.reverse_eligibility(application=own, by=staff, reason="to the failed list")
    html = client.get(reverse("jury_panel:results")).content.decode()
    failed = html[html.index("Did not meet"):]
    assert f'value="{own.pk}"' not in failed and f'value="{rival.pk}"' in failed


def test_the_results_page_costs_the_same_queries_however_many_rows_are_masked(
        client, programme, staff, chair, other):
    applications = decided(programme, staff, *(screened(programme, f"Fund {n}")
                                               for n in range(6)))
    client.force_login(chair.user)

    def queries_with(masked):
        for application in applications[:masked]:
            Conflict.objects.get_or_create(
                juror=chair, application=application,
                defaults={"kind": Conflict.Kind.DECLARED, "reason": "mine",
                          "state": Conflict.State.CONFIRMED})
        with CaptureQueriesContext(connection) as queries:
            html = client.get(reverse("jury_panel:results")).content.decode()
        assert html.count("scores hidden") == masked
        return len(queries)

    for application in applications:
        score(other, application, 3, 3)
    for application in applications[1:]:
        score(chair, application, 3, 3)
    queries_with(1)  # the jury's settings are created on the first visit
    assert queries_with(1) == queries_with(5)


def test_the_page_says_why_a_chair_in_conflict_was_refused(client, programme, staff, chair):
    own, = decided(programme, staff, screened(programme, "Chair Own Fund", passes=False,
                                              members=[chair.user]))
    client.cookies["ozgeris_language"] = "ru"
    client.force_login(chair.user)
    response = client.post(reverse("jury_panel:results"),
                           {"override": "1", "application": own.pk, "reason": "misfiled"},
                           follow=True)
    assert "У вас конфликт интересов с этой заявкой" in response.content.decode()
    own.refresh_from_db()
    assert own.status == Status.FAILED_80_20
