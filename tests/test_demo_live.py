"""Each phase of the live edition can be tried right after ``seed_demo --phase …`` (issue 19):
the demo juror finds applications to score, the demo voter can vote and gets a receipt, the
results page shows the totals, and running the command again duplicates nothing."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from applications.models import Application, Status
from jury.models import Criterion, JuryMember, ScoreSheet
from ozgeris.demo.programme import demo_password, facts
from ozgeris.models import Programme
from voting.models import Vote

ACCOUNTS = facts()["demo_accounts"]


def seed(phase):
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", "--phase", phase, stdout=out)
    return out.getvalue()


def sign_in(client, role):
    assert client.login(email=ACCOUNTS[role]["email"], password=demo_password())


def live():
    return Programme.objects.current()


def counts(programme):
    return {
        "applications": Application.objects.filter(programme=programme).count(),
        "jurors": JuryMember.objects.filter(programme=programme).count(),
        "sheets": ScoreSheet.objects.filter(application__programme=programme).count(),
        "finalists": Application.objects.finalists(programme).count(),
        "votes": Vote.objects.filter(programme=programme).count(),
    }


@pytest.mark.django_db
def test_in_the_jury_phase_the_demo_juror_has_applications_to_score(client, demo_programme):
    seed("jury")
    programme = live()
    sign_in(client, "juror")

    page = client.get(reverse("jury_panel:index")).content.decode()

    eligible = list(Application.objects.filter(programme=programme, status=Status.ELIGIBLE))
    assert eligible, "the live edition has eligible applications"
    assert all(a.project_title.startswith("Демо: ") for a in eligible)
    assert reverse("jury_panel:score", args=[eligible[0].pk]) in page
    assert JuryMember.objects.filter(programme=programme,
                                     user__email=ACCOUNTS["juror"]["email"]).exists()
    assert not ScoreSheet.objects.filter(juror__user__email=ACCOUNTS["juror"]["email"],
                                         application__programme=programme).exists()
    assert "(демо)" in programme.title_ru and programme.year != demo_programme.year


@pytest.mark.django_db
def test_in_the_jury_phase_the_demo_juror_submits_a_score(client, demo_programme):
    seed("jury")
    programme = live()
    sign_in(client, "juror")
    application = Application.objects.filter(programme=programme,
                                             status=Status.ELIGIBLE).order_by("pk").first()
    scores = {f"score_{criterion.pk}": "4"
              for criterion in Criterion.objects.filter(programme=programme)}
    assert scores, "the live edition has the jury's criteria"

    client.post(reverse("jury_panel:score", args=[application.pk]),
                {**scores, "overall_comment": "", "submit": "1"})

    sheet = ScoreSheet.objects.get(juror__user__email=ACCOUNTS["juror"]["email"],
                                   application=application)
    assert sheet.state == ScoreSheet.State.SUBMITTED


@pytest.mark.django_db
def test_in_the_voting_phase_the_demo_voter_votes_and_gets_a_receipt(client, demo_programme):
    seed("voting")
    programme = live()
    finalist = Application.objects.finalists(programme).order_by("pk").first()
    assert finalist is not None and finalist.profile_approved_at is not None
    assert client.get(reverse("voting:finalist", args=[finalist.pk])).status_code == 200
    sign_in(client, "voter")
    before = Vote.objects.filter(programme=programme).count()

    response = client.post(reverse("voting:vote", args=[finalist.pk]), follow=True)

    assert Vote.objects.filter(programme=programme).count() == before + 1
    assert response.redirect_chain[-1][0].startswith(reverse("voting:receipt"))
    assert response.context["just_cast"] is True
    assert response.context["code"] in response.content.decode()


@pytest.mark.django_db
def test_in_the_results_phase_the_results_page_shows_the_totals(client, demo_programme):
    seed("results")
    programme = live()

    response = client.get(reverse("voting:results", args=[programme.year]))

    assert response.status_code == 200
    rows = response.context["results"].rows
    assert sum(row.votes for row in rows) == Vote.objects.filter(programme=programme).count() > 0
    page = response.content.decode()
    assert all(escape(row.application.organisation.name) in page for row in rows)
    assert Application.objects.filter(programme=programme, status=Status.WINNER).exists()


@pytest.mark.django_db
def test_in_the_results_phase_the_ledger_verifies_and_the_auditor_sees_it(demo_programme):
    """The demo's votes are cast moments before the vote closes, as in a real season: a vote
    dated after its window's close would make the live edition's ledger fail to verify."""
    seed("results")
    out = io.StringIO()

    call_command("verify_ledger", "--programme", live().year, stdout=out)

    assert "verifies" in out.getvalue()
    assert seed("results")  # a second run keeps it so
    call_command("verify_ledger", "--programme", live().year, stdout=io.StringIO())


@pytest.mark.django_db
def test_the_head_is_published_after_the_close_and_a_second_run_keeps_the_window(
        demo_programme):
    from voting.models import VotingSettings

    seed("results")
    closes = live().voting_closes_at
    published = VotingSettings.objects.get(programme=live()).head_published_at
    assert published >= closes  # "published at the close", not a moment before it

    seed("results")
    assert live().voting_closes_at == closes
    assert VotingSettings.objects.get(programme=live()).head_published_at == published


@pytest.mark.django_db
def test_running_a_phase_twice_duplicates_nothing(demo_programme):
    seed("voting")
    first = counts(live())

    seed("voting")

    assert counts(live()) == first
    assert first["finalists"] and first["votes"] and first["sheets"]
    assert Programme.objects.filter(year=live().year).count() == 1


@pytest.mark.django_db
def test_once_the_vote_has_opened_going_back_is_refused_and_the_ledger_still_verifies(
        demo_programme):
    from django.core.management.base import CommandError

    seed("results")
    for earlier in ("voting", "jury", "intake"):
        with pytest.raises(CommandError, match="cannot go back"):
            seed(earlier)

    call_command("verify_ledger", "--programme", live().year, stdout=io.StringIO())
    assert live().current_stage() != "voting"


@pytest.mark.django_db
def test_running_the_results_phase_twice_keeps_one_release(demo_programme):
    seed("results")
    first = counts(live())
    winners = set(Application.objects.filter(programme=live(), status=Status.WINNER))

    output = seed("results")

    assert counts(live()) == first
    assert set(Application.objects.filter(programme=live(), status=Status.WINNER)) == winners
    assert "No live edition" not in output and live().current_stage() != "voting"
