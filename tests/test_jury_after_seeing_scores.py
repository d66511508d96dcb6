"""What a juror can still do after the blind rule has shown them the others' scores.

A juror who submitted may read the other jurors' sheets; a conflict they declare then does not
take their own sheet out of the results on their word alone: programme staff decide it. And
once the finalists are chosen, the 80/20 screening no longer runs."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from applications.models import Application, Status
from jury import services
from jury.models import Conflict, Criterion, EligibilityDecision
from jury.results import results

from .factories import ApplicationFactory, score, seat

pytestmark = pytest.mark.usefixtures("english", "english_pages")


@pytest.fixture
def jury(programme, make_user):
    """Two jurors with the panel's group; the other one has scored the application."""
    application = ApplicationFactory(programme=programme, status=Status.ELIGIBLE,
                                     nomination=programme.nominations.get(code="education"))
    mine = seat(programme, make_user(email="mine@jurors.example.kz", display_name="Mine"))
    other = seat(programme, make_user(email="other@jurors.example.kz",
                                      display_name="Zhanar Otherjuror"))
    score(other, application, 1, 1)
    return {"application": application, "mine": mine, "other": other}


def said(response):
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


def sheets_counted(application):
    return next(r.sheets for r in results(application.programme)
                if r.application.pk == application.pk)


def stands_as_staff_decided(conflict, state, staff, jury, *, sheets):
    """The conflict is ``state`` by ``staff``'s decision, the application counts ``sheets``
    sheets, and no conflict waits for staff any more."""
    conflict.refresh_from_db()
    assert (conflict.state, conflict.decided_by) == (state, staff)
    assert sheets_counted(jury["application"]) == sheets
    assert not services.conflicts_awaiting_staff(jury["application"].programme).exists()


def submit_and_declare(client, jury):
    """The attack: submit, read the others' scores, then declare a conflict."""
    application, mine = jury["application"], jury["mine"]
    criteria = Criterion.objects.filter(programme=application.programme)
    client.force_login(mine.user)
    url = reverse("jury_panel:score", args=[application.pk])
    client.post(url, {**{f"score_{c.pk}": 5 for c in criteria}, "submit": "1"})
    page = client.get(url).content.decode()
    assert "Zhanar Otherjuror" in page  # the blind rule shows the others' scores now
    assert "programme staff decide whether it stands" in page  # said before posting
    assert sheets_counted(application) == 2
    response = client.post(reverse("jury_panel:conflict", args=[application.pk]),
                           {"reason": "I remembered I advise them"})
    return Conflict.objects.get(juror=mine, application=application), said(response)


@pytest.mark.django_db
def test_a_conflict_declared_after_submitting_waits_for_staff(client, jury):
    conflict, message = submit_and_declare(client, jury)

    assert "programme staff will decide" in message
    assert (conflict.kind, conflict.state) == (Conflict.Kind.DECLARED, Conflict.State.PENDING)
    assert conflict.decided_by is None
    # Pending, it excludes like any conflict: the juror stands aside, the sheet is set aside.
    assert not services.may_see_other_scores(jury["mine"], jury["application"])
    assert sheets_counted(jury["application"]) == 1
    # The results page tells whoever decides the cut that staff have a decision to take.
    assert services.conflicts_awaiting_staff(jury["application"].programme).get() == conflict


@pytest.mark.django_db
def test_the_juror_cannot_confirm_it_themselves(client, jury):
    conflict, _message = submit_and_declare(client, jury)

    conflicts = client.get(reverse("jury_panel:conflicts")).content.decode()
    assert 'name="confirm"' not in conflicts and "programme staff decide" in conflicts
    client.post(reverse("jury_panel:conflicts"),
                {"conflict": conflict.pk, "reason": "sure", "confirm": "1"})
    with pytest.raises(services.JuryError, match="Another member of the programme staff"):
        services.resolve_conflict(conflict=conflict, confirm=True, reason="sure",
                                  by=jury["mine"].user)

    conflict.refresh_from_db()
    assert conflict.state == Conflict.State.PENDING


@pytest.mark.django_db
def test_staff_confirm_it_and_the_sheet_is_left_out(client, jury, staff):
    conflict, _message = submit_and_declare(client, jury)
    client.force_login(staff)
    assert "1 conflict of interest was declared after" in client.get(
        reverse("jury_panel:results")).content.decode()

    client.post(reverse("jury_panel:conflicts"),
                {"conflict": conflict.pk, "reason": "Adviser to the board", "confirm": "1"})

    stands_as_staff_decided(conflict, Conflict.State.CONFIRMED, staff, jury, sheets=1)


@pytest.mark.django_db
def test_staff_dismiss_it_and_the_sheet_counts_again(client, jury, staff):
    conflict, _message = submit_and_declare(client, jury)

    services.resolve_conflict(conflict=conflict, confirm=False, by=staff,
                              reason="Met them once at a fair: no link")

    assert sheets_counted(jury["application"]) == 2


@pytest.mark.django_db
def test_staff_on_the_jury_do_not_decide_their_own(client, programme, jury, staff, make_user):
    own = seat(programme, staff)
    score(own, jury["application"], 5, 5)
    conflict = services.declare_conflict(juror=own, application=jury["application"],
                                         reason="My cousin runs it", by=staff)
    assert conflict.state == Conflict.State.PENDING

    client.force_login(staff)
    assert 'name="confirm"' not in client.get(reverse("jury_panel:conflicts")).content.decode()
    with pytest.raises(services.JuryError, match="Another member of the programme staff"):
        services.resolve_conflict(conflict=conflict, confirm=True, reason="yes", by=staff)

    colleague = make_user(email="colleague@example.kz", is_staff=True)
    colleague.groups.add(*staff.groups.all())
    services.resolve_conflict(conflict=conflict, confirm=True, reason="Family", by=colleague)
    assert sheets_counted(jury["application"]) == 1  # the other juror's only


@pytest.mark.django_db
def test_a_possible_conflict_found_after_submitting_is_staffs_to_decide(client, programme,
                                                                        jury, make_user):
    late = seat(programme, make_user(email="late@advisers.kz"))
    score(late, jury["application"], 5, 5)
    conflict = Conflict.objects.create(juror=late, application=jury["application"],
                                       kind=Conflict.Kind.POSSIBLE, state=Conflict.State.PENDING,
                                       match="shared domain advisers.kz", reason="")

    client.force_login(late.user)
    assert "to confirm or dismiss" not in client.get(reverse("jury_panel:index")).content.decode()
    assert 'name="confirm"' not in client.get(reverse("jury_panel:conflicts")).content.decode()
    with pytest.raises(services.JuryError, match="Another member of the programme staff"):
        services.resolve_conflict(conflict=conflict, confirm=True, reason="yes", by=late.user)
    assert services.conflicts_awaiting_staff(programme).get() == conflict


@pytest.mark.django_db
def test_before_submitting_a_declaration_still_takes_effect_at_once(client, jury):
    application, mine = jury["application"], jury["mine"]
    score(mine, application, 3, 3, submit=False)  # a draft counts nowhere

    conflict = services.declare_conflict(juror=mine, application=application,
                                         reason="Board member", by=mine.user)

    assert (conflict.state, conflict.decided_by) == (Conflict.State.CONFIRMED, mine.user)
    assert not mine.sheets.exists()


# The 80/20 screening after the cut ---------------------------------------------------------

@pytest.fixture
def after_the_cut(programme):
    """A finalist chosen, and an application screened late, after the cut."""
    nomination = programme.nominations.get(code="education")
    ApplicationFactory(programme=programme, status=Status.FINALIST, nomination=nomination)
    return ApplicationFactory(programme=programme, status=Status.SCREENED, nomination=nomination,
                              passes_80_20=True, income_share=40, income_share_threshold=20)


@pytest.mark.django_db
def test_the_80_20_rule_is_not_applied_after_the_cut(programme, staff, after_the_cut):
    with pytest.raises(services.JuryError, match="the 80/20 rule can no longer be applied"):
        services.decide_eligibility(programme=programme, by=staff)

    after_the_cut.refresh_from_db()
    assert after_the_cut.status == Status.SCREENED
    assert not EligibilityDecision.objects.filter(application=after_the_cut).exists()


@pytest.mark.django_db
def test_after_the_cut_with_nothing_screened_the_80_20_rule_changes_nothing(programme, staff,
                                                                           after_the_cut):
    Application.objects.filter(pk=after_the_cut.pk).update(status=Status.FAILED_80_20)

    assert services.decide_eligibility(programme=programme, by=staff) == (0, 0)


@pytest.mark.django_db
def test_the_results_page_neither_offers_nor_takes_the_80_20_rule_after_the_cut(
        client, programme, staff, after_the_cut):
    client.force_login(staff)
    url = reverse("jury_panel:results")

    page = client.get(url).content.decode()
    response = client.post(url, {"eligibility": "1"})

    assert 'name="eligibility"' not in page and 'name="detect"' in page
    assert "the 80/20 rule can no longer be applied" in said(response)
    assert set(Application.objects.filter(programme=programme).values_list(
        "status", flat=True)) == {Status.FINALIST, Status.SCREENED}



@pytest.mark.django_db
def test_the_cut_waits_for_staff_to_decide_a_declaration_made_after_scoring(
        client, jury, staff):
    """Otherwise a juror who never hears back has taken their scores out by declaring."""
    conflict, _message = submit_and_declare(client, jury)
    programme = jury["application"].programme

    with pytest.raises(services.JuryError, match="decide them before the cut"):
        services.apply_cut(programme=programme, top_n=1, by=staff)
    jury["application"].refresh_from_db()
    assert jury["application"].status == Status.ELIGIBLE

    services.resolve_conflict(conflict=conflict, confirm=False, reason="No link", by=staff)
    assert services.apply_cut(programme=programme, top_n=1, by=staff)[0] >= 1
    jury["application"].refresh_from_db()
    assert jury["application"].status == Status.FINALIST


@pytest.mark.django_db
def test_a_conflict_staff_dismissed_is_not_declared_again(client, jury, staff):
    """Declaring again would set the sheet aside, and hold the cut, as often as the juror
    liked."""
    conflict, _message = submit_and_declare(client, jury)
    services.resolve_conflict(conflict=conflict, confirm=False, by=staff,
                              reason="Advising once is no conflict")

    response = client.post(reverse("jury_panel:conflict", args=[jury["application"].pk]),
                           {"reason": "I remembered I advise them (again)"})

    assert "Programme staff have dismissed this conflict" in said(response)
    stands_as_staff_decided(conflict, Conflict.State.DISMISSED, staff, jury, sheets=2)


@pytest.mark.django_db
def test_a_sheet_staff_reopened_still_counts_as_submitted_once(client, jury, staff):
    """The juror read the others' scores before the reopening: their declaration, or a
    possible conflict flagged since, is still staff's to decide."""
    from jury.models import ScoreSheet

    application, mine = jury["application"], jury["mine"]
    criteria = Criterion.objects.filter(programme=application.programme)
    client.force_login(mine.user)
    url = reverse("jury_panel:score", args=[application.pk])
    client.post(url, {**{f"score_{c.pk}": 5 for c in criteria}, "submit": "1"})
    assert "Zhanar Otherjuror" in client.get(url).content.decode()
    services.reopen_sheet(sheet=ScoreSheet.objects.get(juror=mine, application=application),
                          reason="The juror asked: a typo", by=staff)
    # The form says so before the juror posts, on the reopened (draft) sheet too.
    assert "programme staff decide whether it stands" in client.get(url).content.decode()

    flagged = Conflict.objects.create(juror=mine, application=application,
                                      kind=Conflict.Kind.POSSIBLE,
                                      state=Conflict.State.PENDING, match="same name")
    with pytest.raises(services.JuryError, match="Another member of the programme staff"):
        services.resolve_conflict(conflict=flagged, confirm=True, reason="yes", by=mine.user)

    client.post(reverse("jury_panel:conflict", args=[application.pk]),
                {"reason": "I remembered I advise them"})
    conflict = Conflict.objects.get(juror=mine, application=application)
    assert conflict.state == Conflict.State.PENDING
