"""The jury part of ``seed_demo``: the 2019 jury as the final grant report
describes it (six members, two sittings on 1 October 2019, 21 eligible and 25 failed 80/20,
19 finalists and 2 not selected, Chevron, USAID and Samruk Kazyna Trust), recorded through the
jury's services and leaving no email behind.
"""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from applications.demo.seed import facts as application_facts
from applications.models import Application, Status
from jury import models, supporting
from jury.demo import seed
from jury.results import results
from ozgeris.models import AuditEvent, OutboxMessage, Programme
from ozgeris.registries import demo_steps, register_demo_step
from voting.demo import seed as voting_seed

ALMATY = ZoneInfo("Asia/Almaty")
FACTS = seed.facts()
FINALIST_NAMES = {item["name"] for item in application_facts()["organisations"]
                  if "finalist" in item}
# Every model of the jury app: what ``seed`` makes, ``reset`` removes and a second run leaves.
JURY_MODELS = tuple(apps.get_app_config("jury").get_models())


def _quiet(message):
    """The steps' log, silenced."""


@pytest.fixture(scope="module", autouse=True)
def jury_demo(django_db_setup, django_db_blocker):
    """The jury step on top of the shared seeded database. Until ``jury.apps`` registers it,
    this module registers, seeds and removes it itself."""
    if "jury" in demo_steps:
        yield
        return
    register_demo_step("jury", order=20, run=seed.seed, reset=seed.reset)
    with django_db_blocker.unblock():
        if Programme.objects.filter(year=seed.YEAR).exists():
            with transaction.atomic():
                seed.seed(log=_quiet)
        else:
            call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    yield
    with django_db_blocker.unblock(), transaction.atomic():
        seed.reset(log=_quiet)
    demo_steps.unregister("jury")


@pytest.fixture
def programme(demo_programme):
    return demo_programme


@pytest.fixture
def applications(programme):
    return Application.objects.filter(programme=programme).select_related(
        "organisation", "nomination")


def _almaty(*args):
    return datetime(*args, tzinfo=ALMATY)


@pytest.mark.django_db
def test_the_six_members_with_their_affiliations_and_a_reconstructed_chair(programme):
    members = list(models.JuryMember.objects.filter(programme=programme).select_related("user"))
    expected = FACTS["members"]["items"]
    assert [(m.user.email, m.affiliation) for m in members] == [
        (item["email"], item["affiliation"]) for item in expected]
    chair = models.JuryMember.objects.get(programme=programme, role=models.JuryMember.Role.CHAIR)
    assert chair.user.get_full_name() == "Жамиля Асанова"
    assert FACTS["members"]["chair_reconstructed"]
    assert all(m.email_domain.endswith(".demo") for m in members)
    settings = models.JurySettings.objects.get(programme=programme)
    assert (settings.others_scores_visible, settings.ranking) == ("after_own", "raw")
    criteria = models.Criterion.objects.filter(programme=programme)
    assert list(criteria.values_list("code", flat=True)) == ["social-impact", "business-model"]


@pytest.mark.django_db
def test_two_sittings_on_1_october_2019_with_their_attendance(programme):
    first, second = models.Sitting.objects.filter(programme=programme)
    assert (first.subject, timezone.localtime(first.starts_at, ALMATY)) == (
        models.Sitting.Subject.APPLICATIONS, _almaty(2019, 10, 1, 15, 0))
    assert (second.subject, timezone.localtime(second.starts_at, ALMATY)) == (
        models.Sitting.Subject.SUPPORTING, _almaty(2019, 10, 1, 16, 30))
    assert "46 из 47" in first.decisions and "19 финалистов" in first.decisions
    assert "Шеврон" in second.decisions and "Samruk Kazyna Trust" in second.decisions

    assert first.attendance.count() == 6
    assert not first.attendance.exclude(presence=models.Attendance.Presence.IN_PERSON).exists()
    assert FACTS["sittings"][0]["attendance_reconstructed"]

    presence = {a.member.user.get_full_name(): a.presence
                for a in second.attendance.select_related("member__user")}
    assert presence.pop("Роуан Кеннеди") == models.Attendance.Presence.ABSENT
    assert presence.pop("Мукина Батима") == models.Attendance.Presence.ONLINE
    assert len(presence) == 4 and set(presence.values()) == {models.Attendance.Presence.IN_PERSON}


@pytest.mark.django_db
def test_21_are_eligible_or_later_and_25_failed_80_20(applications):
    later = (Status.ELIGIBLE, Status.FINALIST, Status.NOT_SELECTED, Status.WINNER)
    assert applications.filter(status__in=later).count() == 21
    assert applications.filter(status=Status.FAILED_80_20).count() == 25
    decisions = models.EligibilityDecision.objects.filter(application__in=applications)
    assert decisions.filter(eligible=True, overridden=False).count() == 21
    assert decisions.filter(eligible=False, overridden=False).count() == 25
    assert all(timezone.localtime(decision.decided_at, ALMATY).date()
               == _almaty(2019, 10, 1).date() for decision in decisions)


@pytest.mark.django_db
def test_every_eligible_application_is_scored_by_every_juror_not_in_conflict(
    programme, applications,
):
    members = list(models.JuryMember.objects.filter(programme=programme))
    scored = applications.filter(eligibility__eligible=True)
    assert scored.count() == 21
    declared = models.Conflict.objects.get(juror__programme=programme,
                                           kind=models.Conflict.Kind.DECLARED)
    assert declared.juror.user.get_full_name() == "Индира Шах"
    assert FACTS["conflicts"]["declared"][0]["reconstructed"]
    assert not models.Conflict.objects.filter(juror__programme=programme,
                                              state=models.Conflict.State.PENDING).exists()
    opens, closes = programme.scoring_opens_at, programme.scoring_closes_at
    for application in scored:
        excluded = set(application.jury_conflicts.excluding().values_list("juror_id", flat=True))
        sheets = application.score_sheets.filter(state=models.ScoreSheet.State.SUBMITTED)
        assert {sheet.juror_id for sheet in sheets} == {m.pk for m in members} - excluded
        assert all(opens <= sheet.submitted_at < closes and sheet.scores.count() == 2
                   for sheet in sheets)
    assert FACTS["scores"]["reconstructed"]


@pytest.mark.django_db
def test_the_reports_19_finalists_and_2_not_selected(applications):
    finalists = {a.organisation.name for a in applications.filter(
        status__in=[Status.FINALIST, Status.WINNER])}
    assert finalists == FINALIST_NAMES and len(finalists) == 19
    not_selected = applications.filter(status=Status.NOT_SELECTED)
    assert not_selected.count() == 2
    assert not {a.organisation.name for a in not_selected} & FINALIST_NAMES


@pytest.mark.django_db
def test_ranks_put_every_finalist_above_the_not_selected(programme):
    ranked = results(programme)
    finalists = [r for r in ranked if r.application.organisation.name in FINALIST_NAMES]
    others = [r for r in ranked if r.application.organisation.name not in FINALIST_NAMES]
    assert len(finalists) == 19 and len(others) == 2
    assert min(r.total for r in finalists) >= FACTS["cut"]["threshold"] > max(
        r.total for r in others)
    for other in others:
        rivals = [r for r in finalists
                  if r.application.nomination_id == other.application.nomination_id]
        assert rivals and all(r.rank < other.rank for r in rivals)
    assert not any(r.tied for r in ranked)


@pytest.mark.django_db
def test_the_supporting_laureates(programme):
    outcomes = {o.nomination.code: o for o in supporting.laureates(programme)}
    assert all(outcome.closed for outcome in outcomes.values())

    csr = outcomes["csr"]
    assert csr.laureate.name == "Компания Chevron" and csr.unanimous and csr.voters == 3
    assert sorted(member.user.get_full_name() for member, _reason in csr.abstentions) == [
        "Индира Шах", "Ринад Темирбеков"]
    assert {reason for _member, reason in csr.abstentions} == {
        FACTS["supporting"]["nominations"][0]["abstentions"]["reason"]}

    international = outcomes["international"]
    assert international.laureate.name.startswith("USAID")
    assert international.unanimous and international.voters == 5
    assert "Samruk Kazyna Trust" not in {nominee.name for nominee in international.votes}

    state = outcomes["state-support"]
    assert [nominee.name for nominee in state.votes] == ["Samruk Kazyna Trust"]
    assert state.laureate.name == "Samruk Kazyna Trust" and state.unanimous
    assert state.voters == 5

    media = outcomes["media"]
    assert media.laureate is None and not media.votes and media.voters == 0

    absent = models.JuryMember.objects.get(programme=programme, user__display_name="Роуан Кеннеди")
    assert not models.NomineeVote.objects.filter(juror=absent).exists()


@pytest.mark.django_db
def test_a_second_run_changes_nothing(programme):
    counted = (*JURY_MODELS, Application, AuditEvent, OutboxMessage)
    before = [model.objects.count() for model in counted]
    statuses = sorted(Application.objects.values_list("pk", "status"))

    seed.seed(log=_quiet)

    assert [model.objects.count() for model in counted] == before
    assert sorted(Application.objects.values_list("pk", "status")) == statuses


@pytest.mark.django_db
def test_no_decision_email_of_the_demo_is_left_to_send(applications):
    decisions = OutboxMessage.objects.filter(purpose="jury:decision")
    assert decisions.count() == 21
    assert not decisions.filter(sent_at__isnull=True).exists()
    assert set(decisions.values_list("last_error", flat=True)) == {seed.NOT_SENT}


@pytest.mark.django_db
def test_reset_removes_what_seed_made_and_seed_rebuilds_it(programme, applications):
    before = [model.objects.count() for model in (*JURY_MODELS, AuditEvent, OutboxMessage)]

    # The vote stands on the jury's finalists: it goes first and comes back after.
    voting_seed.reset(log=_quiet)
    seed.reset(log=_quiet)

    assert not any(model.objects.exists() for model in JURY_MODELS)
    assert applications.filter(status=Status.SCREENED).count() == 46
    assert not AuditEvent.objects.filter(action__startswith="jury.").exists()
    assert not OutboxMessage.objects.filter(purpose="jury:decision").exists()

    seed.seed(log=_quiet)
    voting_seed.seed(log=_quiet)

    assert [model.objects.count()
            for model in (*JURY_MODELS, AuditEvent, OutboxMessage)] == before
