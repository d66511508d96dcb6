"""The jury's rules: the 80/20 gate, conflicts, blind scoring, results and the cut."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from applications.models import Application, Status
from jury import services
from jury.models import Conflict, Criterion, JurySettings, Score, ScoreSheet
from jury.results import results

from .factories import ApplicationFactory, OrganisationFactory, bulk_scored, juror, score

# Refusals are matched in English here; the catalogues are checked elsewhere.
pytestmark = pytest.mark.usefixtures("english")


def eligible(programme, nomination="education", **fields):
    return ApplicationFactory(programme=programme, status="eligible",
                              nomination=programme.nominations.get(code=nomination), **fields)


def scored_by(member, *pairs):
    """An eligible application of ``member``'s programme for each (social, business) pair,
    scored so by ``member``."""
    applications = [eligible(member.programme) for _ in pairs]
    for application, (social, business) in zip(applications, pairs, strict=True):
        score(member, application, social, business)
    return applications


# The 80/20 gate -------------------------------------------------------------------

@pytest.mark.django_db
def test_screened_applications_are_sorted_by_their_share(programme, staff):
    passing = ApplicationFactory(programme=programme, status="screened", total_income=100,
                                 entrepreneurial_income=25, passes_80_20=True,
                                 income_share=25, income_share_threshold=20)
    failing = ApplicationFactory(programme=programme, status="screened", total_income=100,
                                 entrepreneurial_income=5, passes_80_20=False,
                                 income_share=5, income_share_threshold=20)

    assert services.decide_eligibility(programme=programme, by=staff) == (1, 1)

    passing.refresh_from_db()
    failing.refresh_from_db()
    assert (passing.status, failing.status) == (Status.ELIGIBLE, Status.FAILED_80_20)
    assert "5" in failing.eligibility.reason


@pytest.mark.django_db
def test_an_override_needs_staff_or_the_chair_and_a_reason(programme, staff, make_user):
    application = ApplicationFactory(programme=programme, status="failed_80_20")
    member = juror(programme, make_user, "member")
    with pytest.raises(services.JuryError):
        services.override_eligibility(application=application, eligible=True,
                                      reason="Grant income misfiled", by=member.user)
    with pytest.raises(services.JuryError):
        services.override_eligibility(application=application, eligible=True, reason=" ",
                                      by=staff)

    services.override_eligibility(application=application, eligible=True,
                                  reason="Grant income was misfiled as donations", by=staff)
    application.refresh_from_db()
    assert application.status == Status.ELIGIBLE
    assert application.eligibility.overridden


@pytest.mark.django_db
def test_no_override_once_the_finalists_are_chosen(programme, staff):
    """Made eligible after the cut, an application would wait for a second cut that could make
    it a finalist outside the jury's one decision."""
    ApplicationFactory(programme=programme, status="finalist")
    failed = ApplicationFactory(programme=programme, status="failed_80_20")

    with pytest.raises(services.JuryError, match="finalists are chosen"):
        services.override_eligibility(application=failed, eligible=True,
                                      reason="Grant income was misfiled", by=staff)

    failed.refresh_from_db()
    assert failed.status == Status.FAILED_80_20
    assert not hasattr(failed, "eligibility")


@pytest.mark.django_db
def test_the_cut_is_applied_once(programme, make_user, staff):
    """A second cut would make finalists of applications that became eligible late (screened
    after the cut), outside the jury's one decision."""
    a = juror(programme, make_user, "a")
    score(a, eligible(programme), 5, 5)
    services.apply_cut(programme=programme, top_n=1, by=staff)
    late = eligible(programme)
    score(a, late, 5, 5)

    with pytest.raises(services.JuryError, match="applied once"):
        services.apply_cut(programme=programme, top_n=1, by=staff)

    late.refresh_from_db()
    assert late.status == Status.ELIGIBLE


@pytest.mark.django_db
def test_an_override_committed_just_before_the_cut_is_in_the_cut(programme, make_user, staff,
                                                                monkeypatch):
    """The cut proposes under its lock: an override that won the race is decided with the
    rest, not left eligible after the finalists are chosen."""
    a = juror(programme, make_user, "a")
    score(a, eligible(programme), 5, 5)
    failed = ApplicationFactory(programme=programme, status="failed_80_20",
                                nomination=programme.nominations.get(code="education"))
    bulk_scored([a], [failed])  # all ones, past the services (a failed one is not scored)
    real_lock = services._before_the_cut

    def override_first(programme, refusal):
        monkeypatch.setattr(services, "_before_the_cut", real_lock)
        services.override_eligibility(application=failed, eligible=True, by=staff,
                                      reason="Grant income was misfiled")
        return real_lock(programme, refusal)

    monkeypatch.setattr(services, "_before_the_cut", override_first)
    services.apply_cut(programme=programme, top_n=1, by=staff)

    failed.refresh_from_db()
    assert failed.status == Status.NOT_SELECTED


# Conflicts ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_conflicts_are_detected_by_membership_domain_and_affiliation(programme, make_user):
    member_of_org = juror(programme, make_user, "insider")
    same_domain = juror(programme, make_user, "eurasia", email_domain="ef-ca.kz")
    same_name = juror(programme, make_user, "arnau",
                      affiliation="Советник ОО «Центр развития «Арнау»")
    unrelated = juror(programme, make_user, "outsider", email_domain="gmail.com",
                      affiliation="Британский Совет")
    org_a = OrganisationFactory(members=[member_of_org.user])
    org_b = OrganisationFactory(website="https://www.ef-ca.kz/about")
    org_c = OrganisationFactory(name="ОО «Центр развития «Арнау»")
    apps = [eligible(programme, organisation=org) for org in (org_a, org_b, org_c)]

    assert services.detect_conflicts(programme=programme) == 3
    assert services.detect_conflicts(programme=programme) == 0  # kept, not doubled

    found = {(c.juror_id, c.application_id): c for c in Conflict.objects.all()}
    assert found[member_of_org.pk, apps[0].pk].kind == Conflict.Kind.AUTOMATIC
    assert found[same_domain.pk, apps[1].pk].state == Conflict.State.PENDING
    assert "ef-ca.kz" in found[same_domain.pk, apps[1].pk].match
    assert found[same_name.pk, apps[2].pk].kind == Conflict.Kind.POSSIBLE
    assert not any(key[0] == unrelated.pk for key in found)


@pytest.mark.django_db
def test_a_juror_in_conflict_cannot_score_or_see_scores_and_is_left_out(programme, make_user):
    a, b = juror(programme, make_user, "a"), juror(programme, make_user, "b")
    application = eligible(programme)
    score(a, application, 5, 5)

    services.declare_conflict(juror=b, application=application, reason="I advise them",
                              by=b.user)

    with pytest.raises(services.JuryError):
        score(b, application, 1, 1)
    assert not services.may_see_other_scores(b, application)
    services.declare_conflict(juror=a, application=application, reason="Found out later",
                              by=a.user)
    assert results(programme)[0].sheets == 0  # a's submitted sheet no longer counts


@pytest.mark.django_db
def test_a_dismissed_possible_conflict_lets_the_juror_score(programme, make_user, staff):
    member = juror(programme, make_user, "j", email_domain="ef-ca.kz")
    application = eligible(programme, organisation=OrganisationFactory(
        contact_email="info@ef-ca.kz"))
    services.detect_conflicts(programme=programme)
    conflict = Conflict.objects.get(juror__programme=programme)
    with pytest.raises(services.JuryError):
        score(member, application, 4, 4)

    services.resolve_conflict(conflict=conflict, confirm=False,
                              reason="Different department, no link", by=staff)
    score(member, application, 4, 4)


# Scoring --------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("bad", [0, 6, "3.5", "x", -1])
def test_scores_outside_one_to_five_are_refused(programme, make_user, bad):
    member = juror(programme, make_user, "j")
    with pytest.raises(services.JuryError, match="1"):
        score(member, eligible(programme), bad, 3)


@pytest.mark.django_db
def test_the_database_refuses_a_score_outside_the_scale_and_a_second_sheet(programme, make_user):
    member = juror(programme, make_user, "j")
    application = eligible(programme)
    sheet = score(member, application, 3, 3, submit=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.filter(sheet=sheet).update(value=7)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoreSheet.objects.create(juror=member, application=application)


@pytest.mark.django_db
def test_a_sheet_is_a_draft_until_submitted_and_then_only_staff_reopen_it(programme, make_user,
                                                                          staff):
    member = juror(programme, make_user, "j")
    application = eligible(programme)
    with pytest.raises(services.JuryError, match="every criterion"):
        services.save_sheet(juror=member, application=application, values={}, submit=True,
                            by=member.user)
    score(member, application, 3, 4, submit=False)
    score(member, application, 4, 4)
    with pytest.raises(services.JuryError, match="submitted"):
        score(member, application, 5, 5)
    sheet = ScoreSheet.objects.get(juror__programme=programme)
    with pytest.raises(services.JuryError):
        services.reopen_sheet(sheet=sheet, reason="typo", by=member.user)

    services.reopen_sheet(sheet=sheet, reason="typo", by=staff)
    score(member, application, 5, 4)
    assert [s.value for s in Score.objects.filter(sheet__juror=member)
            .order_by("criterion__order")] == [5, 4]


@pytest.mark.django_db
def test_no_score_after_the_jury_stage_closes(programme, make_user, time_machine):
    member = juror(programme, make_user, "j")
    application = eligible(programme)
    time_machine.move_to(programme.scoring_closes_at)
    with pytest.raises(services.JuryError, match="closed"):
        score(member, application, 3, 3)


@pytest.mark.django_db
def test_only_eligible_applications_are_scored(programme, make_user):
    member = juror(programme, make_user, "j")
    failed = ApplicationFactory(programme=programme, status="failed_80_20")
    with pytest.raises(services.JuryError):
        score(member, failed, 3, 3)


@pytest.mark.django_db
@pytest.mark.parametrize(("mode", "before", "after"), [
    ("after_own", False, True), ("never", False, False), ("always", True, True)])
def test_blind_scoring_follows_the_programme_setting(programme, make_user, mode, before, after):
    JurySettings.objects.create(programme=programme, others_scores_visible=mode)
    member = juror(programme, make_user, "j")
    application = eligible(programme)
    assert services.may_see_other_scores(member, application) is before
    score(member, application, 3, 3)
    assert services.may_see_other_scores(member, application) is after


# Results --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_results_give_means_total_spread_and_ranks(programme, make_user):
    a, b = juror(programme, make_user, "a"), juror(programme, make_user, "b")
    first, second = eligible(programme), eligible(programme)
    score(a, first, 5, 4)
    score(b, first, 3, 4)
    score(a, second, 2, 3)
    score(b, second, 3, 2)

    rows = {r.application.pk: r for r in results(programme)}
    social, business = Criterion.objects.filter(programme=programme).order_by("order")
    assert rows[first.pk].means == {social.pk: 4.0, business.pk: 4.0}
    assert (rows[first.pk].total, rows[first.pk].sheets) == (8.0, 2)
    assert (rows[first.pk].lowest, rows[first.pk].highest) == (3, 5)
    assert (rows[first.pk].rank, rows[second.pk].rank) == (1, 2)


@pytest.mark.django_db
def test_ties_are_broken_by_top_scores_and_flagged_when_still_equal(programme, make_user):
    a = juror(programme, make_user, "a")
    fives, fours, twin = scored_by(a, (5, 3), (4, 4), (4, 4))

    rows = {r.application.pk: r for r in results(programme)}
    assert rows[fives.pk].rank == 1 and not rows[fives.pk].tied
    assert rows[fours.pk].rank == rows[twin.pk].rank == 2
    assert rows[fours.pk].tied and rows[twin.pk].tied


@pytest.mark.django_db
def test_normalisation_on_a_hand_computed_example(programme, make_user):
    """One criterion; a lenient and a harsh juror score X, Y and Z.

      lenient: X 5, Y 4, Z 5 → mean 14/3, sd 0.4714 (population)
      harsh:   X 1, Y 2, Z 1 → mean 4/3,  sd 0.4714
      all six scores: mean 3, sd 1.7078
    Each score becomes 3 + z · 1.7078 with its juror's z, clamped to 1–5; X's normalised mean
    is the average of its two: (4.2076 + 1.7924) / 2 = 3.0, Y's (1 + 5) / 2 = 3.0 (clamped).
    """
    Criterion.objects.filter(programme=programme, code="business-model").delete()
    lenient, harsh = juror(programme, make_user, "lenient"), juror(programme, make_user, "harsh")
    x, y, z = eligible(programme), eligible(programme), eligible(programme)
    social = Criterion.objects.get(programme=programme).pk

    def give(member, application, value):
        services.save_sheet(juror=member, application=application, submit=True,
                            by=member.user, values={social: (value, "")})

    for member, values in ((lenient, (5, 4, 5)), (harsh, (1, 2, 1))):
        for application, value in zip((x, y, z), values, strict=True):
            give(member, application, value)

    from statistics import fmean, pstdev
    mean_c, sd_c = 3.0, pstdev([5, 4, 5, 1, 2, 1])

    def expected(value, own):
        return min(5, max(1, mean_c + (value - fmean(own)) / pstdev(own) * sd_c))

    rows = {r.application.pk: r for r in results(programme)}
    for application, lenient_value, harsh_value in ((x, 5, 1), (y, 4, 2), (z, 5, 1)):
        want = (expected(lenient_value, [5, 4, 5]) + expected(harsh_value, [1, 2, 1])) / 2
        assert rows[application.pk].normalised_means[social] == pytest.approx(want)
    assert rows[x.pk].normalised_total == pytest.approx(rows[z.pk].normalised_total)


@pytest.mark.django_db
def test_normalised_ranking_can_differ_from_raw_when_jurors_disagree_in_leniency(
    programme, make_user
):
    """Lenient L scores only A (5), B (5) and C (4); harsh H scores only D (2), E (1) and
    F (1). Raw, C (4) outranks D (2); normalised, both are their juror's below-average pick
    vs above-average pick: D is H's best, C is L's worst, so D ranks above C."""
    Criterion.objects.filter(programme=programme, code="business-model").delete()
    social = Criterion.objects.get(programme=programme).pk
    lenient, harsh = juror(programme, make_user, "l"), juror(programme, make_user, "h")
    apps = {name: eligible(programme) for name in "ABCDEF"}
    for member, picks in ((lenient, {"A": 5, "B": 5, "C": 4}),
                          (harsh, {"D": 2, "E": 1, "F": 1})):
        for name, value in picks.items():
            services.save_sheet(juror=member, application=apps[name], submit=True,
                                by=member.user, values={social: (value, "")})

    rows = {r.application.pk: r for r in results(programme)}
    c, d = rows[apps["C"].pk], rows[apps["D"].pk]
    assert c.raw_rank < d.raw_rank
    assert d.normalised_rank < c.normalised_rank
    assert c.rank == c.raw_rank  # raw by default
    JurySettings.objects.create(programme=programme, ranking="normalised")
    rows = {r.application.pk: r for r in results(programme)}
    assert rows[apps["D"].pk].rank < rows[apps["C"].pk].rank


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 300])
def test_results_cost_a_constant_number_of_queries(programme, make_user, count):
    members = [juror(programme, make_user, f"j{i}") for i in range(3)]
    bulk_scored(members, [eligible(programme) for _ in range(count)])

    with CaptureQueriesContext(connection) as queries:
        assert len(results(programme)) == count
    assert len(queries) == 7


# The cut ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_applying_the_cut_makes_finalists_and_tells_the_applicants(
    programme, make_user, staff, django_capture_on_commit_callbacks
):
    a = juror(programme, make_user, "a")
    owner = make_user(email="ngo@example.kz")
    top = eligible(programme, organisation=OrganisationFactory(members=[owner]))
    low = eligible(programme)
    other = eligible(programme, nomination="health")
    score(a, top, 5, 5)
    score(a, low, 2, 2)
    score(a, other, 3, 3)

    proposal = services.propose_cut(programme=programme, top_n=1)
    assert {r.application.pk: f for r, f in proposal} == {top.pk: True, low.pk: False,
                                                          other.pk: True}
    with pytest.raises(services.JuryError):
        services.apply_cut(programme=programme, top_n=1, by=a.user)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.apply_cut(programme=programme, top_n=1, by=staff) == (2, 1)

    statuses = dict(Application.objects.filter(programme=programme)
                    .values_list("pk", "status"))
    assert statuses[top.pk] == Status.FINALIST and statuses[low.pk] == Status.NOT_SELECTED
    assert any(message.to == ["ngo@example.kz"] for message in mail.outbox)


@pytest.mark.django_db
def test_a_threshold_cut(programme, make_user, staff):
    a = juror(programme, make_user, "a")
    good, poor = scored_by(a, (4, 4), (3, 4))

    proposal = services.propose_cut(programme=programme, threshold=8)
    assert {r.application.pk: f for r, f in proposal} == {good.pk: True, poor.pk: False}


@pytest.mark.django_db
def test_the_chairs_tie_break_is_recorded_and_decides_the_rank(programme, make_user, staff):
    a = juror(programme, make_user, "a")
    first, second = scored_by(a, (4, 4), (4, 4))
    with pytest.raises(services.JuryError):
        services.record_tie_break(application=second, priority=1, reason="x", by=a.user)

    services.record_tie_break(application=second, priority=1,
                              reason="Stronger evidence of impact", by=staff)
    services.record_tie_break(application=first, priority=2, reason="Second", by=staff)

    rows = {r.application.pk: r for r in results(programme)}
    assert (rows[second.pk].rank, rows[first.pk].rank) == (1, 2)
    assert not rows[first.pk].tied


@pytest.mark.django_db
def test_jurors_with_unscored_applications_are_reminded_once_a_day(
    programme, make_user, time_machine, django_capture_on_commit_callbacks
):
    busy, done = juror(programme, make_user, "busy"), juror(programme, make_user, "done")
    application = eligible(programme)
    score(done, application, 3, 3)

    time_machine.move_to(programme.scoring_closes_at - timedelta(days=4))
    assert services.send_scoring_reminders() == 0  # too early
    time_machine.move_to(programme.scoring_closes_at - timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_scoring_reminders() == 1
        assert services.send_scoring_reminders() == 0  # once a day
    assert [m.to for m in mail.outbox] == [[busy.user.email]]


@pytest.mark.django_db
def test_score_labels_and_the_eligibility_reason_follow_the_readers_language(programme,
                                                                              staff):
    criterion = Criterion.objects.filter(programme=programme).first()
    failed = ApplicationFactory(programme=programme, status="screened", total_income=100,
                                entrepreneurial_income=5, passes_80_20=False,
                                income_share=5, income_share_threshold=20)
    with translation.override("ru"):
        services.decide_eligibility(programme=programme, by=staff)
    failed.refresh_from_db()

    with translation.override("kk"):
        assert criterion.labels[4] == "5 — өте жақсы"
        kazakh = failed.eligibility.explanation
    with translation.override("en"):
        assert criterion.labels[0] == "1 — very weak"
        assert "of income from entrepreneurial activity" in failed.eligibility.explanation
    assert kazakh != failed.eligibility.explanation
