"""While the public vote is open nobody follows its totals vote by vote: staff see them only at
the last full step of their chart (``results.staff_chart_moment``), the audit page verifies
the chain without the votes per finalist, and the vote's audit file lists no vote before the
close. Once released, the totals are frozen even against a release landing mid-decision."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from ozgeris.registries import exporters
from reporting.models import ExportJob
from tests.factories import close_vote
from voting import results, review, services
from voting.models import ReviewStatus, Vote, VoteStatusChange


def _other_staff(make_user):
    from django.contrib.auth.models import Group

    user = make_user(email="colleague@example.kz", is_staff=True)
    user.groups.add(Group.objects.get(name="Programme staff"))
    return user


# Released means frozen -------------------------------------------------------------------

@pytest.mark.django_db
def test_a_release_landing_after_the_quick_check_still_freezes_the_totals(
        finalists, cast, staff, make_user, monkeypatch):
    """Another staff member releases the results between the quick check and the decision's
    transaction: the decision is refused inside it, and the released totals stand."""
    programme = finalists[0].programme
    cast(finalists[0], 2)
    close_vote(programme)
    vote = Vote.objects.filter(programme=programme).first()
    colleague = _other_staff(make_user)

    def released_meanwhile(programme_id):
        results.release_results(programme=programme, by=colleague)
        return False  # what the quick check read just before

    monkeypatch.setattr(review, "results_released", released_meanwhile)
    with pytest.raises(services.VotingError):
        review.set_review_status(vote=vote, status=ReviewStatus.INVALIDATED, by=staff,
                                 reason="bought votes")

    assert results.results_released(programme)
    assert results.tally(programme, fresh=True) == {finalists[0].pk: 2}
    assert not VoteStatusChange.objects.filter(vote=vote).exists()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
def test_a_review_decision_locks_the_row_the_release_locks(finalists, cast, staff):
    programme = finalists[0].programme
    cast(finalists[0])
    vote = Vote.objects.get(programme=programme)

    with CaptureQueriesContext(connection) as queries:
        review.set_review_status(vote=vote, status=ReviewStatus.INVALIDATED, by=staff,
                                 reason="bot")

    assert any('FROM "voting_votingsettings"' in query["sql"]
               and "FOR NO KEY UPDATE" in query["sql"] for query in queries.captured_queries)


# The staff's winners to tick -------------------------------------------------------------

@pytest.mark.django_db
def test_the_suggested_winners_move_only_with_the_staff_chart(
        client, voter, finalists, vote_programme, staff, settings, time_machine):
    settings.VOTE_STAFF_CHART_MINUTES = 5
    before = set(results.top_per_nomination(vote_programme, 1))
    assert before == set(finalists)  # no vote yet: all tied
    services.cast_vote(voter=voter, finalist=finalists[0])
    cast_at = Vote.objects.get(programme=vote_programme).cast_at
    client.force_login(staff)
    url = reverse("voting:dashboard", args=[2031]) + "?top=1"

    time_machine.move_to(cast_at, tick=False)  # the step the vote falls in has not ended
    assert set(results.top_per_nomination(vote_programme, 1)) == before
    assert set(client.get(url).context["form"].initial["winners"]) == {f.pk for f in finalists}
    time_machine.move_to(cast_at + timedelta(minutes=5), tick=False)
    assert results.top_per_nomination(vote_programme, 1) == [finalists[0]]
    assert client.get(url).context["form"].initial["winners"] == [finalists[0].pk]


# The audit page ----------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("who", ["staff", "auditor"])
def test_the_audit_page_shows_no_votes_per_finalist_while_the_vote_is_open(
        client, request, finalists, cast, vote_programme, who):
    cast(finalists[0])
    client.force_login(request.getfixturevalue(who))
    url = reverse("voting:audit", args=[2031])

    response = client.get(url)
    found = response.context["verification"]
    assert found.holds and found.position == 1  # the chain is verified all the same
    assert found.tally is None
    assert finalists[0].organisation.name not in response.content.decode()

    cast(finalists[1])
    response = client.get(url)
    assert response.context["verification"].tally is None
    assert finalists[1].organisation.name not in response.content.decode()

    close_vote(vote_programme)  # a new check, not the one kept from the open vote
    response = client.get(url)
    tally = response.context["verification"].tally
    # Every finalist has its row: the one nobody voted for is a 0, not missing.
    assert sorted((pk, votes) for pk, _name, votes in tally) == sorted(
        [(finalists[0].pk, 1), (finalists[1].pk, 1), (finalists[2].pk, 0)])
    assert finalists[0].organisation.name in response.content.decode()


@pytest.mark.django_db
def test_the_audit_page_says_the_head_is_on_its_way_after_the_close(
        client, staff, finalists, cast, vote_programme):
    """Between the close and the publication the page does not say the head is published
    "when the vote closes"; once it is published, the kept check gives way to a new one."""
    cast(finalists[0])
    close_vote(vote_programme)
    client.force_login(staff)
    client.cookies["ozgeris_language"] = "en"
    url = reverse("voting:audit", args=[2031])

    page = client.get(url).content.decode()
    assert "The vote has closed; the head is being published" in page
    assert "it is published when the vote closes" not in page

    results.publish_head(vote_programme)
    response = client.get(url)
    assert response.context["verification"].published["position"] == 1
    assert "The vote has closed; the head is being published" not in response.content.decode()


# The exports -------------------------------------------------------------------------------

def _start(client, programme, exporter):
    return client.post(reverse("reporting:index"), {
        "programme": programme.year, "exporter": exporter, "language": "en"})


def _sheet(content, index=0):
    book = load_workbook(io.BytesIO(content), read_only=True)
    return list(book.worksheets[index].iter_rows(values_only=True))


@pytest.mark.django_db
def test_the_votes_file_lists_no_vote_before_the_close(
        client, staff, auditor, finalists, cast, vote_programme,
        django_capture_on_commit_callbacks, tmp_path):
    cast(finalists[0])
    client.force_login(auditor)
    assert _start(client, vote_programme, "votes").status_code == 200  # the form refuses
    assert not ExportJob.objects.filter(created_by=auditor).exists()

    client.force_login(staff)
    assert _start(client, vote_programme, "votes").status_code == 200  # refused to staff too
    assert not ExportJob.objects.filter(programme=vote_programme).exists()
    with pytest.raises(CommandError, match="once its figures are out"):
        call_command("export", "votes", programme=vote_programme.year,
                     output=str(tmp_path / "votes.xlsx"))
    assert not (tmp_path / "votes.xlsx").exists()
    # Rendered past both, the file still lists no vote.
    with translation.override("en"):
        _name, _type, content = exporters.get("votes").render(vote_programme, {},
                                                              lambda *args: None)
    rows = _sheet(content)
    assert len(rows) == 2 and rows[1][0] == (
        "The votes are listed once the public vote has closed.")
    assert not any(finalists[0].organisation.name in str(cell) for row in rows for cell in row)

    close_vote(vote_programme)
    client.force_login(auditor)
    with django_capture_on_commit_callbacks(execute=True):
        assert _start(client, vote_programme, "votes").status_code == 302
    job = ExportJob.objects.get(created_by=auditor)
    votes = _sheet(job.file.open("rb").read())[1:]
    assert [(row[0], row[3]) for row in votes] == [(1, finalists[0].pk)]
    call_command("export", "votes", programme=vote_programme.year,
                 output=str(tmp_path / "votes.xlsx"))
    assert [row[3] for row in _sheet((tmp_path / "votes.xlsx").read_bytes())[1:]] == [
        finalists[0].pk]


@pytest.mark.django_db
def test_the_statistics_export_counts_votes_per_finalist_at_the_staff_charts_moment(
        voter, finalists, vote_programme, settings, time_machine):
    settings.VOTE_STAFF_CHART_MINUTES = 5
    services.cast_vote(voter=voter, finalist=finalists[0])
    cast_at = Vote.objects.get(programme=vote_programme).cast_at
    render = exporters.get("voting-stats").render

    time_machine.move_to(cast_at, tick=False)
    per_finalist = _sheet(render(vote_programme, {}, lambda *args: None)[2], 5)[1:]
    assert [row[2] for row in per_finalist] == [0, 0, 0]
    time_machine.move_to(cast_at + timedelta(minutes=5), tick=False)
    per_finalist = _sheet(render(vote_programme, {}, lambda *args: None)[2], 5)[1:]
    assert sorted(row[2] for row in per_finalist) == [0, 0, 1]
