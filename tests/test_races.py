"""Races the database settles (PostgreSQL, real threads)."""

import threading

import pytest
from django.db import IntegrityError, connection

from ozgeris.models import User

SPELLINGS = ["dana.bek@gmail.com", "danabek@gmail.com", "Dana.Bek+vote@googlemail.com",
             "d.a.n.a.b.e.k@gmail.com"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sign_ups_of_one_mailbox_make_one_account():
    barrier = threading.Barrier(len(SPELLINGS))
    outcomes = []

    def sign_up(email):
        try:
            barrier.wait()
            User.objects.create_user(email=email, password="Steppe-sunrise-2019")
            outcomes.append("created")
        except IntegrityError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(email,)) for email in SPELLINGS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created"] + ["refused"] * (len(SPELLINGS) - 1)
    assert User.objects.filter(canonical_email="danabek@gmail.com").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_saves_of_one_jurors_scores_make_one_sheet(open_programme):
    """A double click on "submit" from two tabs: one sheet, one set of scores."""
    from datetime import timedelta

    from django.utils import timezone

    from jury import services
    from jury.copying import ensure_default_criteria
    from jury.models import Criterion, JuryMember, Score, ScoreSheet

    from .factories import ApplicationFactory

    now = timezone.now()
    open_programme.scoring_opens_at = now - timedelta(days=1)
    open_programme.scoring_closes_at = now + timedelta(days=1)
    open_programme.save()
    ensure_default_criteria(open_programme)
    user = User.objects.create_user(email="juror@race.example.kz", password="x")
    juror = JuryMember.objects.create(programme=open_programme, user=user, affiliation="-")
    application = ApplicationFactory(programme=open_programme, status="eligible",
                                     nomination=open_programme.nominations.first())
    values = {c.pk: (4, "") for c in Criterion.objects.filter(programme=open_programme)}
    barrier = threading.Barrier(4)
    outcomes = []

    def save():
        try:
            barrier.wait()
            services.save_sheet(juror=juror, application=application, values=values,
                                submit=True, by=user)
            outcomes.append("saved")
        except services.JuryError:
            outcomes.append("refused")  # the sheet was already submitted by another tab
        finally:
            connection.close()

    threads = [threading.Thread(target=save) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert "saved" in outcomes
    assert ScoreSheet.objects.filter(juror=juror, application=application).count() == 1
    assert Score.objects.filter(sheet__juror=juror).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_concurrent_votes_from_one_account_leave_one_vote(open_programme):
    from datetime import timedelta

    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from voting import services
    from voting.models import Vote

    from .factories import ApplicationFactory

    now = timezone.now()
    open_programme.voting_opens_at = now - timedelta(hours=1)
    open_programme.voting_closes_at = now + timedelta(hours=1)
    open_programme.save()
    finalists = [ApplicationFactory(programme=open_programme, status="finalist",
                                    nomination=open_programme.nominations.first())
                 for _ in range(2)]
    voter = User.objects.create_user(email="fast@race.example.kz", password="x")
    EmailAddress.objects.create(user=voter, email=voter.email, verified=True, primary=True)
    barrier = threading.Barrier(10)
    receipts, errors = [], []

    def vote(i):
        try:
            barrier.wait()
            receipts.append(services.cast_vote(voter=voter, finalist=finalists[i % 2]).receipt)
        except Exception as exc:  # noqa: BLE001 - any error is a failure of the rule
            errors.append(exc)
        finally:
            connection.close()

    for batch in range(5):
        threads = [threading.Thread(target=vote, args=(batch * 10 + i,)) for i in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    # One receipt: the first vote's, or "" once its seal has mailed it and kept only its hash.
    assert len(receipts) == 50 and len(set(receipts) - {""}) == 1
    assert Vote.objects.filter(programme=open_programme).count() == 1


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
