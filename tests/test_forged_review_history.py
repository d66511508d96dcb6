"""The review history and the vote's milestones against the runtime role (voting/migrations/0015).

The portal's own database role may INSERT history rows and UPDATE the vote settings. On
PostgreSQL it still cannot: start a history row from another status than the review's, add
one (or apply one to the review) once the results are released, make a row the last for good
by choosing its id, publish a head that is not the end of the ledger, or take a release back
without a withdrawal the public page shows. The attacks are raw SQL, as a script run with
the portal's credentials would send; the staff's own paths must keep working everywhere.
"""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation

from voting import ledger, results, review, services
from voting.models import LedgerEntry, ReviewStatus, Vote, VoteReview, VoteStatusChange

from .factories import close_vote

pytestmark = pytest.mark.django_db

FORGED_ID = 9_000_000_000_000


def _sql(sql, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _refused(match, sql, *params):
    with pytest.raises(DatabaseError, match=match), transaction.atomic():
        _sql(sql, *params)


def _history_row(vote, previous, status, *, id=None):
    """A history row as the runtime role could insert it: any author, any date, any id."""
    if id is None:
        _sql("INSERT INTO voting_votestatuschange (vote_id, previous, status, reason, by_id, at) "
             "VALUES (%s, %s, %s, 'forged', NULL, timestamptz '2001-01-01')",
             vote.pk, previous, status)
    else:
        _sql("INSERT INTO voting_votestatuschange "
             "(vote_id, previous, status, reason, by_id, at, id) "
             "VALUES (%s, %s, %s, 'forged', NULL, timestamptz '2001-01-01', %s)",
             vote.pk, previous, status, id)


def _problems(programme):
    with translation.override("en"):
        return [str(problem) for problem in ledger.verify(programme)[0]]


def _votes(finalists, cast, n=2):
    cast(finalists[0], n)
    return list(Vote.objects.filter(programme=finalists[0].programme).order_by("pk"))


def _closed_with_votes(finalists, cast):
    """Two votes for the first finalist, and the vote closed: (the first vote, programme)."""
    vote = _votes(finalists, cast)[0]
    programme = finalists[0].programme
    close_vote(programme)
    return vote, programme


def _history(vote):
    return list(VoteStatusChange.objects.filter(vote=vote).order_by("at", "pk")
                .values_list("previous", "status"))


# The staff's paths, on every database ----------------------------------------------------

def test_a_decision_reads_back_the_time_its_history_row_was_given(finalists, cast, staff):
    vote = _votes(finalists, cast)[0]
    before = timezone.now() - timedelta(seconds=5)
    review.set_review_status(vote=vote, status=ReviewStatus.INVALIDATED, by=staff,
                             reason="Duplicate account")

    row = VoteStatusChange.objects.get(vote=vote)
    assert row.at > before


def test_publish_head_on_an_empty_ledger_gives_the_genesis_digest(vote_programme):
    close_vote(vote_programme)

    published = results.publish_head(vote_programme)

    assert (published.head_sequence, published.head_digest) == (0, ledger.GENESIS)
    assert _problems(vote_programme) == []


def test_publish_head_on_a_ledger_gives_its_last_entry(finalists, cast):
    _votes(finalists, cast, 3)
    programme = finalists[0].programme
    close_vote(programme)

    published = results.publish_head(programme)

    last = ledger.head(programme)
    assert (published.head_sequence, published.head_digest) == (3, last.leaf)


def test_a_withdrawn_release_lets_staff_decide_again_and_release_again(finalists, cast, staff):
    vote, programme = _closed_with_votes(finalists, cast)
    results.release_results(programme=programme, by=staff)
    with pytest.raises(services.VotingError):
        review.set_review_status(vote=vote, status=ReviewStatus.INVALIDATED, by=staff,
                                 reason="Duplicate account")

    results.withdraw_release(programme=programme, by=staff, reason="A late complaint")
    review.set_review_status(vote=vote, status=ReviewStatus.INVALIDATED, by=staff,
                             reason="Duplicate account")
    released = results.release_results(programme=programme, by=staff)

    assert released.results_released_at and released.release_withdrawn_at
    assert results.tally(programme, fresh=True) == {finalists[0].pk: 1}
    assert _problems(programme) == []


# The runtime role's forgeries (PostgreSQL) -------------------------------------------------

@pytest.mark.postgres
def test_postgresql_dates_a_history_row_by_its_clock_not_by_the_insert(finalists, cast):
    vote = _votes(finalists, cast)[0]
    _history_row(vote, "counted", "under_review")

    assert VoteStatusChange.objects.get(vote=vote).at > timezone.now() - timedelta(minutes=5)


@pytest.mark.postgres
@pytest.mark.parametrize("previous", ["under_review", "invalidated"])
def test_postgresql_refuses_a_history_row_that_does_not_start_from_the_review(
        finalists, cast, staff, previous):
    fresh, decided = _votes(finalists, cast)
    review.set_review_status(vote=decided, status=ReviewStatus.UNDER_REVIEW, by=staff,
                             reason="Checking")

    # No review: the row starts from "counted". A review: from its status.
    _refused("the review of vote .* is counted, not", "INSERT INTO voting_votestatuschange "
             "(vote_id, previous, status, reason, at) VALUES (%s, %s, 'counted', '', now())",
             fresh.pk, previous)
    wrong = "counted" if previous == "under_review" else previous
    _refused("the review of vote .* is under_review, not", "INSERT INTO voting_votestatuschange "
             "(vote_id, previous, status, reason, at) VALUES (%s, %s, 'counted', '', now())",
             decided.pk, wrong)

    assert _history(fresh) == []
    assert _history(decided) == [("counted", "under_review")]


@pytest.mark.postgres
def test_postgresql_refuses_a_forged_decision_once_the_results_are_released(
        finalists, cast, staff):
    vote, programme = _closed_with_votes(finalists, cast)
    results.release_results(programme=programme, by=staff)

    _refused("released: its review history is closed", "INSERT INTO voting_votestatuschange "
             "(vote_id, previous, status, reason, at) VALUES (%s, 'counted', 'invalidated', "
             "'', now())", vote.pk)
    # Taking the release back quietly, to decide and release again, is refused too.
    _refused("withdrawn with a date and a reason", "UPDATE voting_votingsettings SET "
             "results_released_at = NULL WHERE programme_id = %s", programme.pk)

    assert results.tally(programme, fresh=True) == {finalists[0].pk: 2}
    assert _problems(programme) == []


@pytest.mark.postgres
def test_postgresql_refuses_to_apply_after_the_release_a_decision_put_in_before(
        finalists, cast, staff):
    vote, programme = _closed_with_votes(finalists, cast)
    results.publish_head(programme)
    _history_row(vote, "counted", "invalidated")  # left without its review for now
    results.release_results(programme=programme, by=staff)

    _refused("released: its review is closed", "INSERT INTO voting_votereview "
             "(vote_id, status, reason, changed_at) VALUES (%s, 'invalidated', '', now())",
             vote.pk)

    assert results.tally(programme, fresh=True) == {finalists[0].pk: 2}
    assert _problems(programme) == [
        f"vote #{vote.pk}: its review says counted, but the last decision in its review "
        "history says invalidated"]


@pytest.mark.postgres
def test_postgresql_refuses_to_clear_a_withdrawal(finalists, cast, staff):
    _vote, programme = _closed_with_votes(finalists, cast)
    results.release_results(programme=programme, by=staff)
    results.withdraw_release(programme=programme, by=staff, reason="A late complaint")

    _refused("withdrawal of the release of programme .* stays", "UPDATE voting_votingsettings "
             "SET release_withdrawn_at = NULL WHERE programme_id = %s", programme.pk)


@pytest.mark.postgres
def test_a_history_row_with_a_chosen_id_is_not_the_last_decision_for_good(
        finalists, cast, staff):
    vote = _votes(finalists, cast)[0]
    programme = finalists[0].programme
    review.set_review_status(vote=vote, status=ReviewStatus.INVALIDATED, by=staff,
                             reason="Duplicate account")
    # What the runtime role may do (it decides as the portal does), with an id of its choice.
    _history_row(vote, "invalidated", "counted", id=FORGED_ID)
    _sql("UPDATE voting_votereview SET status = 'counted' WHERE vote_id = %s", vote.pk)

    # Staff decide after it: their rows are the last ones, whatever the forged row's id.
    review.set_review_status(vote=vote, status=ReviewStatus.INVALIDATED, by=staff,
                             reason="Duplicate account, again")
    review.set_review_status(vote=vote, status=ReviewStatus.UNDER_REVIEW, by=staff,
                             reason="Checking again")

    assert _history(vote)[-1] == ("invalidated", "under_review")
    assert VoteReview.objects.get(vote=vote).status == ReviewStatus.UNDER_REVIEW
    assert _problems(programme) == []


def _closed_with_settings(finalists, cast, n):
    if n:
        _votes(finalists, cast, n)
    programme = finalists[0].programme
    close_vote(programme)
    services.settings_for(programme)
    return programme


PUBLISH = ("UPDATE voting_votingsettings SET head_published_at = now(), head_sequence = %s, "
           "head_digest = %s WHERE programme_id = %s")


@pytest.mark.postgres
@pytest.mark.parametrize(("position", "digest"), [
    (2, "f" * 64),  # the end's position, another digest
    (1, "leaf 1"),  # a true entry, not the last one
    (0, ledger.GENESIS),  # the genesis, over a ledger that is not empty
    (3, "f" * 64),  # past the end
])
def test_postgresql_refuses_a_head_published_elsewhere_than_the_ledger_end(
        finalists, cast, position, digest):
    programme = _closed_with_settings(finalists, cast, 2)
    entries = dict(LedgerEntry.objects.filter(programme=programme)
                   .values_list("sequence", "leaf"))
    digest = entries[1] if digest == "leaf 1" else digest

    _refused("published at the end of its ledger \\(position 2", PUBLISH, position, digest,
             programme.pk)

    published = results.publish_head(programme)
    assert (published.head_sequence, published.head_digest) == (2, entries[2])


@pytest.mark.postgres
@pytest.mark.parametrize(("position", "digest"), [(0, "f" * 64), (1, ledger.GENESIS)])
def test_postgresql_refuses_a_head_other_than_the_genesis_over_an_empty_ledger(
        finalists, cast, position, digest):
    programme = _closed_with_settings(finalists, cast, 0)

    _refused("published at the end of its ledger \\(position 0", PUBLISH, position, digest,
             programme.pk)


@pytest.mark.postgres
def test_postgresql_refuses_a_settings_row_inserted_with_a_forged_head(finalists, cast):
    programme = _closed_with_settings(finalists, cast, 2)
    _sql("DELETE FROM voting_votingsettings WHERE programme_id = %s", programme.pk)

    _refused("published at the end of its ledger", "INSERT INTO voting_votingsettings "
             "(programme_id, one_vote_per_nomination, head_sequence, head_digest, "
             "head_published_at, release_withdrawal_reason) "
             "VALUES (%s, false, 2, repeat('f', 64), now(), '')", programme.pk)
