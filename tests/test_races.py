"""Races the database settles (PostgreSQL, real threads released together: tests/at_once.py)."""

import threading
from functools import partial

import pytest
from django.db import IntegrityError, connection

from ozgeris.models import User

from .at_once import run_at_once

SPELLINGS = ["dana.bek@gmail.com", "danabek@gmail.com", "Dana.Bek+vote@googlemail.com",
             "d.a.n.a.b.e.k@gmail.com"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sign_ups_of_one_mailbox_make_one_account():
    outcomes = run_at_once([partial(User.objects.create_user, email=email,
                                    password="Steppe-sunrise-2019") for email in SPELLINGS])

    assert sum(isinstance(outcome, User) for outcome in outcomes) == 1
    assert sum(isinstance(outcome, IntegrityError) for outcome in outcomes) == len(SPELLINGS) - 1
    assert User.objects.filter(canonical_email="danabek@gmail.com").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_saves_of_one_jurors_scores_make_one_sheet(programme, make_user):
    """A double click on "submit" from two tabs: one sheet, one set of scores."""
    from jury import services
    from jury.models import Criterion, Score, ScoreSheet

    from .factories import ApplicationFactory, juror

    seat = juror(programme, make_user, "Juror")
    application = ApplicationFactory(programme=programme, status="eligible",
                                     nomination=programme.nominations.first())
    values = {c.pk: (4, "") for c in Criterion.objects.filter(programme=programme)}
    save = partial(services.save_sheet, juror=seat, application=application, values=values,
                   submit=True, by=seat.user)

    outcomes = run_at_once([save] * 4)

    # The others are refused: the sheet was already submitted by another tab.
    assert all(isinstance(outcome, (ScoreSheet, services.JuryError)) for outcome in outcomes)
    assert any(isinstance(outcome, ScoreSheet) for outcome in outcomes)
    assert ScoreSheet.objects.filter(juror=seat, application=application).count() == 1
    assert Score.objects.filter(sheet__juror=seat).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_concurrent_votes_from_one_account_leave_one_vote(finalists, make_user):
    from voting import services
    from voting.models import Vote

    voter = make_user(email="fast@race.example.kz")
    outcomes = []
    for _wave in range(5):  # five waves of ten votes at once
        outcomes += run_at_once([partial(services.cast_vote, voter=voter,
                                         finalist=finalists[i % 2]) for i in range(10)])

    assert [outcome for outcome in outcomes if isinstance(outcome, Exception)] == []
    # One receipt: the first vote's, or "" once its seal has mailed it and kept only its hash.
    receipts = {ballot.receipt for ballot in outcomes}
    assert len(receipts - {""}) == 1
    assert Vote.objects.filter(programme=finalists[0].programme).count() == 1



@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_seal_in_progress_does_not_hold_up_votes(finalists, make_user, monkeypatch):
    """The single writer locks the programme's row while it seals; every vote checks its
    foreign key to that row, and must not wait for the seal to commit."""
    from voting import ledger, services
    from voting.models import LedgerEntry, Vote

    voter = make_user(email="during-seal@race.example.kz")
    sealing = threading.Event()
    done = threading.Event()
    write_entries = LedgerEntry.objects.bulk_create

    def slow_write(entries):  # the seal, stopped while it holds its lock
        sealing.set()
        done.wait(10)
        return write_entries(entries)

    monkeypatch.setattr(LedgerEntry.objects, "bulk_create", slow_write)

    def hold_the_seal_lock():
        try:
            ledger.seal(finalists[0].programme_id)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_seal_lock)
    holder.start()
    try:
        assert sealing.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        ballot = services.cast_vote(voter=voter, finalist=finalists[0])
    finally:
        done.set()
        holder.join()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert Vote.objects.filter(receipt_hash=services.receipt_hash(ballot.receipt)).exists()
