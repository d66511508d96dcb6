"""Casting a vote: one per verified account, a receipt, a chain that detects tampering."""

import io
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ozgeris.models import Region
from ozgeris.services import delete_account
from voting import ledger, services
from voting.models import LedgerEntry, Vote, VoterLink

from .factories import ApplicationFactory, as_table_owner


@pytest.mark.django_db
def test_a_verified_voter_votes_once_and_the_receipt_is_kept_in_clear_only_until_the_seal(
        voter, finalists):
    first = services.cast_vote(voter=voter, finalist=finalists[0])
    second = services.cast_vote(voter=voter, finalist=finalists[1])
    assert not first.already_voted and second.already_voted
    assert second.receipt == first.receipt  # not sealed yet: the code is still there

    services.seal_and_email_receipts(finalists[0].programme_id)
    third = services.cast_vote(voter=voter, finalist=finalists[1])

    assert third.already_voted and third.receipt == ""  # mailed: only its hash is kept
    assert VoterLink.objects.get(voter=voter).receipt_code == ""
    assert Vote.objects.filter(programme__year=2031).count() == 1
    status = services.check_receipt(first.receipt.lower().replace("-", " "))
    assert status.sealed and status.position == 1 and len(status.leaf) == 64


@pytest.mark.django_db
def test_an_unverified_account_cannot_vote(make_user, finalists):
    with pytest.raises(services.VotingError):
        services.cast_vote(voter=make_user(email="new@example.kz", verified=False),
                           finalist=finalists[0])


@pytest.mark.django_db
def test_another_spelling_of_the_same_gmail_cannot_vote_twice(make_user, finalists):
    from django.db import IntegrityError, transaction

    make_user(email="ab@gmail.com")
    with pytest.raises(IntegrityError), transaction.atomic():  # one mailbox, one account
        make_user(email="a.b+vote@gmail.com")


@pytest.mark.django_db
def test_only_finalists_receive_votes(voter, vote_programme):
    eligible = ApplicationFactory(programme=vote_programme, status="eligible",
                                  nomination=vote_programme.nominations.first())
    with pytest.raises(services.VotingError):
        services.cast_vote(voter=voter, finalist=eligible)


@pytest.mark.django_db
def test_the_window_edges_follow_the_database_clock(voter, finalists, vote_programme,
                                                    time_machine):
    """The vote window is checked by the database's clock (the same for every web node);
    moving the application's clock cannot open it, so the edges are set around "now"."""
    vote_programme.voting_opens_at = timezone.now() + timedelta(minutes=5)
    vote_programme.save()
    with pytest.raises(services.VotingError):
        services.cast_vote(voter=voter, finalist=finalists[0])
    vote_programme.voting_opens_at = timezone.now() - timedelta(minutes=5)
    vote_programme.voting_closes_at = timezone.now() - timedelta(seconds=1)
    vote_programme.save()
    with pytest.raises(services.VotingError):
        services.cast_vote(voter=voter, finalist=finalists[0])

    # The application's clock moved back inside the closed window: the database still says no.
    time_machine.move_to(vote_programme.voting_opens_at + timedelta(minutes=1))
    with pytest.raises(services.VotingError):
        services.cast_vote(voter=voter, finalist=finalists[0])
    # The window open by the database's clock, the application's clock moved past its close:
    # the vote is taken.
    real_now = vote_programme.voting_opens_at + timedelta(minutes=5)
    vote_programme.voting_closes_at = real_now + timedelta(hours=1)
    vote_programme.save()
    time_machine.move_to(real_now + timedelta(days=2))
    assert services.cast_vote(voter=voter, finalist=finalists[0]).receipt


@pytest.mark.django_db
def test_the_receipt_page_never_reveals_the_choice(client, voter, finalists,
                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ballot = services.cast_vote(voter=voter, finalist=finalists[1])

    page = client.get(reverse("voting:receipt"), {"code": ballot.receipt},
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Counted: position 1 in the ledger." in page
    for finalist in finalists:
        assert finalist.organisation.name not in page
        assert f"/vote/finalists/{finalist.pk}/" not in page


@pytest.mark.django_db
def test_the_ledger_verifies_and_a_tampered_vote_makes_it_fail(voter, make_user, finalists,
                                                               django_capture_on_commit_callbacks):
    voters = [voter] + [make_user(email=f"v{i}@example.kz") for i in range(4)]
    with django_capture_on_commit_callbacks(execute=True):
        for i, person in enumerate(voters):
            services.cast_vote(voter=person, finalist=finalists[i % 3])
    out = io.StringIO()
    call_command("verify_ledger", "--programme", "2031", stdout=out)
    assert "The ledger verifies" in out.getvalue()
    assert "votes in the ledger: 5" in out.getvalue()

    vote = Vote.objects.filter(programme__year=2031).order_by("pk")[2]
    other = next(f for f in finalists if f.pk != vote.finalist_id)
    as_table_owner("voting_vote.voting_vote_insert_only")
    Vote.objects.filter(pk=vote.pk).update(finalist=other)
    with pytest.raises(CommandError, match="does not match"):
        call_command("verify_ledger", "--programme", "2031", stdout=io.StringIO())


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_refuses_to_change_or_delete_a_vote(voter, finalists,
                                                       django_capture_on_commit_callbacks):
    from django.db import DatabaseError, transaction

    with django_capture_on_commit_callbacks(execute=True):
        services.cast_vote(voter=voter, finalist=finalists[0])
    vote = Vote.objects.get(programme__year=2031)
    with pytest.raises(DatabaseError), transaction.atomic():
        Vote.objects.filter(pk=vote.pk).update(finalist=finalists[1])
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.all().delete()


@pytest.mark.django_db
def test_deleting_the_account_keeps_the_vote_and_forgets_the_voter(voter, finalists,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.cast_vote(voter=voter, finalist=finalists[0])

    delete_account(user=voter)

    assert Vote.objects.filter(programme__year=2031).count() == 1
    link = VoterLink.objects.get(programme__year=2031)
    assert link.voter is None and link.receipt_code == ""
    assert ledger.verify(finalists[0].programme)[0] == []


@pytest.mark.django_db
def test_voting_through_the_page(client, voter, finalists, django_capture_on_commit_callbacks):
    client.force_login(voter)
    url = reverse("voting:vote", args=[finalists[0].pk])

    page = client.get(reverse("voting:finalist", args=[finalists[0].pk])).content.decode()
    assert url in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"age_bracket": "25-34"})
    assert response.url.startswith(reverse("voting:receipt") + "?code=")
    thanked = client.get(response.url).content.decode()
    assert "message-success" in thanked and "Спасибо" in thanked
    code = parse_qs(urlparse(response.url).query)["code"][0]
    stranger = client.get(reverse("voting:receipt"), {"code": "NOPE-NOPE", "cast": "1"})
    assert "message-success" not in stranger.content.decode()  # thanks only for a real vote
    again = client.post(reverse("voting:vote", args=[finalists[1].pk]), follow=True)
    assert again.status_code == 200
    assert code not in again.content.decode()  # sealed and mailed: the portal has only its hash
    assert "Вы уже проголосовали" in again.content.decode()
    assert Vote.objects.get(programme__year=2031).age_bracket == "25-34"
    assert Vote.objects.filter(programme__year=2031).count() == 1


@pytest.mark.django_db
def test_the_honeypot_refuses_a_bot(client, voter, finalists):
    """The bot is sent back to the finalist's page with the generic message (no hint of why),
    and nothing is stored; the same post without the trap field is counted."""
    client.force_login(voter)
    url = reverse("voting:vote", args=[finalists[0].pk])
    response = client.post(url, {"website": "http://spam"})
    assert response.status_code == 302
    assert response.url == reverse("voting:finalist", args=[finalists[0].pk])
    page = client.get(response.url).content.decode()
    assert "Не удалось записать голос" in page
    assert not Vote.objects.filter(programme__year=2031).exists()

    assert client.post(url, {"website": "  "}).url.startswith(reverse("voting:receipt"))
    assert Vote.objects.filter(programme__year=2031).count() == 1


@pytest.mark.django_db
def test_an_answer_not_on_the_lists_is_explained_and_nothing_is_stored(client, voter,
                                                                        finalists):
    client.force_login(voter)
    url = reverse("voting:vote", args=[finalists[0].pk])
    for answers in ({"age_bracket": "17-"}, {"region": "999999"}, {"region": "almaty"}):
        page = client.post(url, answers, follow=True).content.decode()
        assert "Выберите возраст и регион из списков" in page
    assert not Vote.objects.filter(programme__year=2031).exists()
    region = Region.objects.first()
    client.post(url, {"age_bracket": "55+", "region": str(region.pk)})
    vote = Vote.objects.get(programme__year=2031)
    assert (vote.age_bracket, vote.region) == ("55+", region)


@pytest.mark.django_db
def test_the_vote_endpoint_answers_429_when_it_is_hammered(client, voter, finalists, settings):
    settings.VOTE_RATE_PER_ACCOUNT = "3/m"
    client.force_login(voter)
    url = reverse("voting:vote", args=[finalists[0].pk])

    statuses = [client.post(url).status_code for _ in range(5)]

    assert statuses[:3] == [302, 302, 302]
    assert statuses[3:] == [429, 429]


@pytest.mark.django_db
def test_the_receipt_is_emailed_once_without_the_choice(voter, finalists,
                                                       django_capture_on_commit_callbacks):
    from ozgeris.models import OutboxMessage

    with django_capture_on_commit_callbacks(execute=True):  # rendered when it is sent
        ballot = services.cast_vote(voter=voter, finalist=finalists[0])
    services.cast_vote(voter=voter, finalist=finalists[1])

    mails = OutboxMessage.objects.filter(purpose="voting:receipt", to=[voter.email])
    assert mails.count() == 1
    kept = mails.get()
    # Sent, and the code kept nowhere in the portal but as the vote's hash.
    assert kept.sent_at and kept.subject and kept.body == "" and kept.context is None
    sent = [message for message in mail.outbox if message.to == [voter.email]
            and ballot.receipt in message.body]
    assert len(sent) == 1 and finalists[0].organisation.name not in sent[0].body


@pytest.mark.django_db
def test_the_receipt_email_is_queued_by_the_seal_not_by_the_vote(voter, make_user, finalists):
    """The vote writes its two rows and nothing more; the seal queues the receipt, once, and
    a voter whose account was deleted before the seal gets none."""
    from ozgeris.models import OutboxMessage

    gone = make_user(email="gone@example.kz")
    ballot = services.cast_vote(voter=voter, finalist=finalists[0])  # no commit: not sealed
    services.cast_vote(voter=gone, finalist=finalists[1])
    services.anonymise_voter(gone)
    receipts = OutboxMessage.objects.filter(purpose="voting:receipt")
    assert not receipts.exists()

    assert services.seal_and_email_receipts(finalists[0].programme_id) == 2
    assert services.seal_and_email_receipts(finalists[0].programme_id) == 0
    assert list(receipts.values_list("to", "context__receipt")) == [
        ([voter.email], ballot.receipt)]

    later = make_user(email="later@example.kz")
    later_ballot = services.cast_vote(voter=later, finalist=finalists[2])
    # Only the new vote's receipt is queued.
    assert services.seal_and_email_receipts(finalists[0].programme_id) == 1
    assert sorted(receipts.values_list("context__receipt", flat=True)) == sorted(
        [ballot.receipt, later_ballot.receipt])


@pytest.mark.django_db
def test_a_vote_costs_a_fixed_number_of_queries(client, voter, finalists,
                                                django_assert_num_queries):
    """A guard against the hot path growing: the session and the user, then on PostgreSQL one
    statement (the checks, the vote and its link; in a savepoint here, on its own in
    production), elsewhere the checks and the two rows in a savepoint. The programme and the
    finalists come from the process's memory; the receipt email is the seal's work."""
    client.force_login(voter)
    url = reverse("voting:vote", args=[finalists[1].pk])
    client.post(reverse("voting:vote", args=[finalists[0].pk]), {}, REMOTE_ADDR="10.0.0.9")
    # Vote again as a new voter with another mailbox.
    VoterLink.objects.filter(voter=voter).update(voter=None, mailbox=None)

    with django_assert_num_queries(5 if connection.vendor == "postgresql" else 7):
        response = client.post(url, {"age_bracket": ""})
    assert response.status_code == 302


def test_a_receipt_is_four_groups_of_four_letters_that_read_aloud_safely():
    import re

    codes = {services.new_receipt() for _ in range(200)}
    assert len(codes) == 200
    assert all(re.fullmatch(r"([A-HJ-NP-Z2-9]{4}-){3}[A-HJ-NP-Z2-9]{4}", code) for code in codes)
    assert set("".join(codes).replace("-", "")) == set(services.RECEIPT_ALPHABET)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_vote_statement_refuses_a_value_for_no_column_it_writes(voter, finalists):
    """The statement on PostgreSQL writes the columns it compiled: a value for anything else
    (a column the database fills itself, a misspelt name) fails rather than vanishing."""
    from voting import statement

    programme_id = finalists[0].programme_id
    vote = {"programme_id": programme_id, "finalist_id": finalists[0].pk,
            "receipt_hash": "a" * 64, "secret": "b" * 64, "age_bracket": "",
            "region_id": None, "cast_at": timezone.now()}
    link = {"programme_id": programme_id, "voter_id": voter.pk, "scope": 0,
            "receipt_code": "ABCD-EFGH-JKLM-NPQR", "client_ip": None, "visitor_id": ""}
    with pytest.raises(TypeError, match="cast_at"):
        statement.record(services.allowed_to_vote, voter, vote, link)
    del vote["cast_at"]
    link["visitor"] = "x"  # no such field
    with pytest.raises(TypeError, match="visitor"):
        statement.record(services.allowed_to_vote, voter, vote, link)
    assert not Vote.objects.filter(programme_id=programme_id).exists()
