"""The sealed ledger after its head is published, against whoever can write the database: the
published head cannot be reopened (PostgreSQL) and is checked against the final signed
checkpoint (everywhere); a review's status cannot leave its insert-only history behind
(PostgreSQL) and is checked against it (everywhere); no seal slips between the last seal and
the publication (PostgreSQL, real threads)."""

import io
import secrets
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import translation

from voting import ledger, results, review, services
from voting.models import (
    Checkpoint,
    LedgerEntry,
    ReviewStatus,
    Vote,
    VoteReview,
    VoterLink,
    VoteStatusChange,
    VotingSettings,
)

from .factories import as_table_owner, close_vote

pytestmark = pytest.mark.django_db


def _published(finalists, cast, n=2):
    """``n`` honest votes, the vote closed and its head published (with its final checkpoint)."""
    cast(finalists[0], n)
    programme = finalists[0].programme
    close_vote(programme)
    return programme, results.publish_head(programme)


def _problems(programme):
    """What ``ledger.verify`` found, in English."""
    with translation.override("en"):
        return [str(problem) for problem in ledger.verify(programme)[0]]




def _attacker_sql(sql, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _smuggle_vote(programme, finalist, make_user):
    """A vote that looks cast through the portal (a voter's link, cast inside the window), put
    in after the close as the tables' owner could."""
    as_table_owner("voting_vote.voting_vote_in_window")
    vote = Vote.objects.create(programme=programme, finalist=finalist,
                               receipt_hash=secrets.token_hex(32), secret=secrets.token_hex(32),
                               cast_at=programme.voting_opens_at)
    VoterLink.objects.create(vote=vote, programme=programme,
                             voter=make_user(email="late@example.kz"))
    return vote


# 1. The published head ------------------------------------------------------------------

REOPEN = [
    ("UPDATE voting_votingsettings SET head_published_at = NULL, head_sequence = NULL, "
     "head_digest = '' WHERE programme_id = %s"),
    "UPDATE voting_votingsettings SET head_published_at = NULL WHERE programme_id = %s",
    "UPDATE voting_votingsettings SET head_sequence = head_sequence + 1 WHERE programme_id = %s",
    "UPDATE voting_votingsettings SET head_digest = repeat('f', 64) WHERE programme_id = %s",
    ("UPDATE voting_votingsettings SET head_published_at = head_published_at + interval '1 day' "
     "WHERE programme_id = %s"),
    "DELETE FROM voting_votingsettings WHERE programme_id = %s",
]


@pytest.mark.postgres
@pytest.mark.parametrize("sql", REOPEN)
def test_postgresql_refuses_to_change_or_clear_a_published_head(finalists, cast, sql):
    programme, published = _published(finalists, cast)

    with pytest.raises(DatabaseError, match="published head of programme .* is fixed"), \
            transaction.atomic():
        _attacker_sql(sql, programme.pk)

    kept = VotingSettings.objects.get(programme=programme)
    assert (kept.head_sequence, kept.head_digest, kept.head_published_at) == (
        published.head_sequence, published.head_digest, published.head_published_at)


@pytest.mark.postgres
def test_postgresql_still_publishes_the_head_once_and_changes_the_settings_other_columns(
        finalists, cast, staff):
    programme, published = _published(finalists, cast)  # the head set the first time

    released = results.release_results(programme=programme, by=staff)
    results.withdraw_release(programme=programme, by=staff, reason="Проверка")

    assert released.head_digest == published.head_digest == ledger.head(programme).leaf
    assert results.publish_head(programme).head_published_at == published.head_published_at


def test_verify_names_a_head_reopened_and_published_again_over_a_longer_chain(
        finalists, cast, make_user):
    programme, published = _published(finalists, cast)
    final = Checkpoint.objects.get(programme=programme, final=True)
    # The attack: clear the head, seal a vote put in after the close, publish again.
    as_table_owner("voting_votingsettings.voting_votingsettings_head_fixed")
    _attacker_sql("UPDATE voting_votingsettings SET head_published_at = NULL, "
                  "head_sequence = NULL, head_digest = '' WHERE programme_id = %s", programme.pk)
    programme._voting_settings = None
    _smuggle_vote(programme, finalists[1], make_user)
    republished = results.publish_head(programme)

    assert republished.head_sequence == 3
    assert results.tally(programme, fresh=True) == {finalists[0].pk: 2, finalists[1].pk: 1}
    problems = _problems(programme)
    assert problems == [
        f"the published head (position 3, digest {republished.head_digest}) is not the one the "
        f"final checkpoint signed (position 2, digest {final.digest})"]
    with pytest.raises(CommandError, match="not the one the final checkpoint signed"):
        call_command("verify_ledger", "--programme", str(programme.year), stdout=io.StringIO())


def test_verify_names_a_head_cleared_after_its_final_checkpoint(finalists, cast):
    programme, published = _published(finalists, cast)
    as_table_owner("voting_votingsettings.voting_votingsettings_head_fixed")
    _attacker_sql("UPDATE voting_votingsettings SET head_published_at = NULL "
                  "WHERE programme_id = %s", programme.pk)

    assert _problems(programme) == [
        f"the final checkpoint signed the published head (position 2, digest "
        f"{published.head_digest}), but no head is published now"]


def test_an_honest_published_head_verifies_against_its_final_checkpoint(finalists, cast):
    programme, _published_head = _published(finalists, cast)

    assert Checkpoint.objects.filter(programme=programme, final=True).exists()
    assert _problems(programme) == []


# 2. A review's status and its history ---------------------------------------------------

def _invalidated(finalists, cast, staff):
    cast(finalists[0], 2)
    vote = Vote.objects.filter(programme=finalists[0].programme).order_by("pk").first()
    review.set_review_status(vote=vote, status=ReviewStatus.INVALIDATED, by=staff,
                             reason="Duplicate account")
    return vote


def test_verify_names_a_review_whose_status_was_changed_without_its_history(
        finalists, cast, staff):
    vote = _invalidated(finalists, cast, staff)
    programme = finalists[0].programme
    assert _problems(programme) == []
    assert ledger.counted(programme) == {finalists[0].pk: 1}

    # The attack: count an invalidated vote again, with no decision in the history.
    as_table_owner("voting_votereview.voting_votereview_follows_history")
    _attacker_sql("UPDATE voting_votereview SET status = 'counted' WHERE vote_id = %s", vote.pk)

    assert ledger.counted(programme) == {finalists[0].pk: 2}
    assert _problems(programme) == [
        f"vote #{vote.pk}: its review says counted, but the last decision in its review "
        "history says invalidated"]


def test_verify_names_a_review_deleted_from_under_its_history(finalists, cast, staff):
    vote = _invalidated(finalists, cast, staff)
    as_table_owner("voting_votereview.voting_votereview_follows_history")
    _attacker_sql("DELETE FROM voting_votereview WHERE vote_id = %s", vote.pk)

    assert _problems(finalists[0].programme) == [
        f"vote #{vote.pk}: its review says counted, but the last decision in its review "
        "history says invalidated"]


@pytest.mark.postgres
@pytest.mark.parametrize("sql", [
    "UPDATE voting_votereview SET status = 'counted' WHERE vote_id = %(vote)s",
    "UPDATE voting_votereview SET status = 'under_review' WHERE vote_id = %(vote)s",
    "DELETE FROM voting_votereview WHERE vote_id = %(vote)s",
    "UPDATE voting_votereview SET vote_id = %(other)s WHERE vote_id = %(vote)s",
    ("INSERT INTO voting_votereview (vote_id, status, reason, changed_at) "
     "VALUES (%(other)s, 'invalidated', '', now())"),
])
def test_postgresql_refuses_a_review_status_without_its_history_row(finalists, cast, staff, sql):
    vote = _invalidated(finalists, cast, staff)
    other = Vote.objects.filter(programme=vote.programme).exclude(pk=vote.pk).get()

    with pytest.raises(DatabaseError, match="review of vote"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(sql, {"vote": vote.pk, "other": other.pk})

    assert VoteReview.objects.get(vote=vote).status == ReviewStatus.INVALIDATED
    assert not VoteReview.objects.filter(vote=other).exists()


def test_decisions_flags_and_undoing_keep_the_review_and_its_history_together(
        finalists, cast, staff, make_user, settings):
    settings.VOTE_FLAG_ADDRESS_MAX = 1
    programme = finalists[0].programme
    for number in range(2):
        services.cast_vote(voter=make_user(email=f"same-ip{number}@example.kz"),
                           finalist=finalists[1], client_ip="203.0.113.9")
    services.seal_and_email_receipts(programme.pk)
    assert review.flag_suspicious(programme) == 2
    flagged = VoteReview.objects.filter(vote__programme=programme).order_by("vote_id").first()
    for status in (ReviewStatus.INVALIDATED, ReviewStatus.COUNTED, ReviewStatus.INVALIDATED):
        review.set_review_status(vote=flagged.vote, status=status, by=staff, reason="Checked")

    assert _problems(programme) == []
    assert VoteReview.objects.get(pk=flagged.pk).status == ReviewStatus.INVALIDATED
    # The history in its order (the database's time, then the id: migration 0015).
    assert list(VoteStatusChange.objects.filter(vote=flagged.vote).order_by("at", "pk")
                .values_list("previous", "status")) == [
        ("counted", "under_review"), ("under_review", "invalidated"),
        ("invalidated", "counted"), ("counted", "invalidated")]


# 3. The last seal and the publication ---------------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_seal_slips_between_the_last_seal_and_the_publication(finalists, make_user,
                                                                 monkeypatch):
    """A vote stored just before the close commits while the head is being published; its
    seal (the worker's, asked by the vote's commit) must not append an entry after the head
    that the publication read."""
    programme = finalists[0].programme
    for number in range(2):
        services.cast_vote(voter=make_user(email=f"early{number}@race.example.kz"),
                           finalist=finalists[0])
    services.seal_and_email_receipts(programme.pk)
    late_voter = make_user(email="last-second@race.example.kz")
    stored, commit, sealed = threading.Event(), threading.Event(), threading.Event()
    ballots = []

    def vote_at_the_close():  # its statement runs before the close, its commit after it
        try:
            with transaction.atomic():
                ballots.append(services.cast_vote(voter=late_voter, finalist=finalists[1]))
                stored.set()
                commit.wait(10)
            # the vote's commit has run its seal (Celery runs eagerly in the tests)
        finally:
            sealed.set()
            connection.close()

    worker = threading.Thread(target=vote_at_the_close)
    worker.start()
    try:
        assert stored.wait(10)
        close_vote(programme)
        read_head = ledger.head

        def head_then_let_the_vote_commit(of):
            found = read_head(of)
            commit.set()
            sealed.wait(3)  # the race: its seal runs here, unless it waits for the lock
            return found

        monkeypatch.setattr(ledger, "head", head_then_let_the_vote_commit)
        published = results.publish_head(programme)
    finally:
        commit.set()
        worker.join()

    assert published.head_sequence == 2
    assert not LedgerEntry.objects.filter(programme=programme, sequence__gt=2).exists()
    late = Vote.objects.get(receipt_hash=services.receipt_hash(ballots[0].receipt))
    assert services.check_receipt(ballots[0].receipt).not_counted
    assert _problems(programme) == [
        f"vote #{late.pk} is not in the ledger although the head is published"]
