"""The vote keeps its promise against insiders and its own machinery (issue 14): one mailbox
one vote across account deletion, no vote after the head, released totals frozen, less kept
that ties a vote to a person."""

import io
import secrets
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation

from ozgeris.models import AuditEvent
from ozgeris.services import delete_account
from voting import ledger, results, retention, review, services
from voting.models import LedgerEntry, ReviewStatus, Vote, VoterLink, VotingSettings
from voting.statistics import statistics

from .factories import as_table_owner, close_vote


def _seal(programme):
    services.seal_and_email_receipts(programme.pk)


def _forge_vote(programme, finalist, cast_at):
    """A row put into the vote table past the portal (a database administrator's insert): no
    voter's link. On PostgreSQL the window trigger is dropped first, as the table's owner
    could; the test shows what the other checks still catch."""
    as_table_owner("voting_vote.voting_vote_in_window")
    vote = Vote.objects.create(programme=programme, finalist=finalist,
                               receipt_hash=secrets.token_hex(32), secret=secrets.token_hex(32),
                               cast_at=cast_at)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE voting_vote ENABLE TRIGGER voting_vote_in_window")
    return vote


# One mailbox, one vote ------------------------------------------------------------------

@pytest.mark.django_db
def test_a_mailbox_that_deleted_its_account_and_came_back_cannot_vote_again(
        client, make_user, finalists, django_capture_on_commit_callbacks):
    first = make_user(email="aizhan.k@gmail.com")
    client.force_login(first)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("voting:vote", args=[finalists[0].pk]))
    response = client.post(reverse("delete_account"), {"password": "Correct-horse-7",
                                                       "confirm": "on"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.anonymised_at
    assert VoterLink.objects.get(programme=finalists[0].programme).voter is None

    returning = make_user(email="AizhanK+vote@googlemail.com")  # the same Gmail mailbox
    client.force_login(returning)
    page = client.post(reverse("voting:vote", args=[finalists[1].pk]), follow=True)

    assert "Голос с этого адреса электронной почты уже учтён" in page.content.decode()
    assert Vote.objects.filter(programme=finalists[0].programme).count() == 1
    assert ledger.verify(finalists[0].programme)[0] == []


@pytest.mark.django_db
def test_the_mailbox_is_a_keyed_hash_that_names_no_one(voter, finalists, settings):
    services.cast_vote(voter=voter, finalist=finalists[0])
    stored = VoterLink.objects.get(voter=voter).mailbox

    assert len(stored) == 64 and voter.email not in stored
    from voting.mailbox import mailbox_hash
    assert stored == mailbox_hash(voter.email, finalists[0].programme_id, 0)
    settings.VOTE_MAILBOX_KEY = "another key"
    assert stored != mailbox_hash(voter.email, finalists[0].programme_id, 0)


@pytest.mark.django_db
def test_a_mailbox_votes_once_per_nomination_when_the_programme_allows_it(
        make_user, finalists, vote_programme):
    from tests.factories import ApplicationFactory

    VotingSettings.objects.update_or_create(programme=vote_programme,
                                            defaults={"one_vote_per_nomination": True})
    other = ApplicationFactory(programme=vote_programme, status="finalist",
                               nomination=vote_programme.nominations.exclude(
                                   pk=finalists[0].nomination_id).first())
    person = make_user(email="twice@example.kz")
    services.cast_vote(voter=person, finalist=finalists[0])
    delete_account(user=person)
    back = make_user(email="twice@example.kz")

    assert not services.cast_vote(voter=back, finalist=other).already_voted
    with pytest.raises(services.VotingError):
        services.cast_vote(voter=back, finalist=finalists[1])


# The ledger closes ----------------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_refuses_a_vote_inserted_outside_the_window_and_dates_one_inside_it(
        voter, finalists, vote_programme):
    backdated = Vote.objects.create(
        programme=vote_programme, finalist=finalists[0], receipt_hash="a" * 64,
        secret="b" * 64, cast_at=vote_programme.voting_opens_at)
    backdated.refresh_from_db()
    assert backdated.cast_at > vote_programme.voting_opens_at + timedelta(minutes=30)

    close_vote(vote_programme)
    with pytest.raises(DatabaseError, match="not open"), transaction.atomic():
        Vote.objects.create(programme=vote_programme, finalist=finalists[0],
                            receipt_hash="c" * 64, secret="d" * 64,
                            cast_at=vote_programme.voting_closes_at - timedelta(hours=1))


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_appends_no_ledger_entry_after_the_head_is_published(voter, finalists,
                                                                       vote_programme):
    services.cast_vote(voter=voter, finalist=finalists[0])
    close_vote(vote_programme)
    results.publish_head(vote_programme)
    forged = _forge_vote(vote_programme, finalists[1], vote_programme.voting_opens_at)

    with pytest.raises(DatabaseError, match="closed"), transaction.atomic():
        LedgerEntry.objects.create(programme=vote_programme, sequence=2, vote=forged,
                                   leaf="e" * 64)


@pytest.mark.django_db
def test_votes_forged_after_the_published_head_are_not_sealed_counted_or_verified(
        make_user, finalists, vote_programme, staff):
    for number in range(3):
        services.cast_vote(voter=make_user(email=f"honest{number}@example.kz"),
                           finalist=finalists[0])
    _seal(vote_programme)
    close_vote(vote_programme)
    results.release_results(programme=vote_programme, by=staff)
    before = results.tally(vote_programme, fresh=True)

    forged = [_forge_vote(vote_programme, finalists[1],
                          vote_programme.voting_closes_at - timedelta(minutes=minutes))
              for minutes in (1, 2, 3)]
    from voting.tasks import seal_ledger
    seal_ledger()

    assert not LedgerEntry.objects.filter(vote__in=forged).exists()
    assert results.tally(vote_programme, fresh=True) == before == {finalists[0].pk: 3}
    problems, _head, tally = ledger.verify(vote_programme)
    assert tally == before
    with translation.override("en"):
        problems = [str(problem) for problem in problems]
    for vote in forged:
        assert f"vote #{vote.pk} is not in the ledger although the head is published" in problems
        assert f"vote #{vote.pk}: the vote has no voter's link (not cast through the portal)" \
            in problems
    with pytest.raises(CommandError, match="does not verify"):
        call_command("verify_ledger", "--programme", "2031", stdout=io.StringIO())


@pytest.mark.django_db
def test_verify_names_a_vote_sealed_before_the_head_that_was_cast_outside_the_window_or_unlinked(
        voter, finalists, vote_programme):
    services.cast_vote(voter=voter, finalist=finalists[0])
    early = _forge_vote(vote_programme, finalists[1],
                        vote_programme.voting_opens_at - timedelta(days=1))
    _seal(vote_programme)
    position = LedgerEntry.objects.get(vote=early).sequence

    with translation.override("en"):
        problems = [str(problem) for problem in ledger.verify(vote_programme)[0]]

    assert any(problem.startswith(f"position {position}: the vote was cast outside the vote's "
                                  "window") for problem in problems)
    assert (f"position {position}: the vote has no voter's link (not cast through the portal)"
            in problems)


@pytest.mark.django_db
def test_verify_names_entries_after_the_head_and_entries_sealed_after_publication(
        make_user, finalists, vote_programme):
    for number in range(2):
        services.cast_vote(voter=make_user(email=f"v{number}@example.kz"), finalist=finalists[0])
    _seal(vote_programme)
    close_vote(vote_programme)
    published = results.publish_head(vote_programme)
    # What only a database administrator could do: move the published head back a position
    # and date an entry after the publication (triggers off on PostgreSQL).
    as_table_owner("voting_votingsettings.voting_votingsettings_head_fixed")
    first = LedgerEntry.objects.get(programme=vote_programme, sequence=1)
    VotingSettings.objects.filter(pk=published.pk).update(
        head_sequence=1, head_digest=first.leaf,
        head_published_at=first.sealed_at - timedelta(seconds=1))

    with translation.override("en"):
        problems = [str(problem) for problem in ledger.verify(vote_programme)[0]]

    assert "position 2: an entry after the published head (position 1)" in problems
    assert "position 1: sealed after the head was published" in problems
    assert results.tally(vote_programme, fresh=True) == {finalists[0].pk: 1}


# Released means frozen ------------------------------------------------------------------

@pytest.mark.django_db
def test_a_review_after_the_release_is_refused_until_staff_withdraw_it_with_a_reason(
        client, make_user, finalists, vote_programme, staff, django_capture_on_commit_callbacks):
    votes = [services.cast_vote(voter=make_user(email=f"r{n}@example.kz"),
                                finalist=finalists[0]) for n in range(2)]
    _seal(vote_programme)
    close_vote(vote_programme)
    results.release_results(programme=vote_programme, by=staff)
    vote = Vote.objects.get(receipt_hash=services.receipt_hash(votes[0].receipt))

    with pytest.raises(services.VotingError, match="отзовите публикацию"):
        review.set_review_status(vote=vote, status=ReviewStatus.INVALIDATED, by=staff,
                                 reason="Duplicate")
    assert results.tally(vote_programme, fresh=True) == {finalists[0].pk: 2}

    client.force_login(staff)
    page = client.post(reverse("voting:withdraw_release", args=[2031]),
                       {"reason": "Двойной голос обнаружен после публикации"}, follow=True)
    assert page.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        review.set_review_status(vote=vote, status=ReviewStatus.INVALIDATED, by=staff,
                                 reason="Duplicate")
    withdrawn = client.get(reverse("voting:results", args=[2031])).content.decode()
    assert "Двойной голос обнаружен после публикации" in withdrawn
    assert "votes-chart" not in withdrawn  # no totals while withdrawn

    results.release_results(programme=vote_programme, by=staff)
    again = client.get(reverse("voting:results", args=[2031]))
    assert again.context["results"].counted == 1
    assert "Двойной голос обнаружен после публикации" in again.content.decode()
    event = AuditEvent.objects.get(action="vote.release_withdrawn")
    assert event.actor == staff and "Двойной голос" in str(event.details)


@pytest.mark.django_db
def test_a_release_is_withdrawn_only_with_a_reason(client, finalists, vote_programme, staff):
    close_vote(vote_programme)
    results.release_results(programme=vote_programme, by=staff)
    client.force_login(staff)

    client.post(reverse("voting:withdraw_release", args=[2031]), {"reason": "  "})

    assert VotingSettings.objects.get(programme=vote_programme).results_released_at


# Less for insiders ----------------------------------------------------------------------

@pytest.mark.django_db
def test_the_receipt_page_is_never_cached_and_is_rate_limited(client, settings):
    settings.VOTE_RECEIPT_RATE_PER_IP = "3/m"
    url = reverse("voting:receipt")

    answers = [client.get(url, {"code": f"AAAA-BBBB-CCCC-{n:04d}"}, REMOTE_ADDR="198.51.100.4")
               for n in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert "no-store" in answers[0]["Cache-Control"]
    assert client.get(url, {"code": "AAAA-BBBB-CCCC-0001"},
                      REMOTE_ADDR="198.51.100.5").status_code == 200


@pytest.mark.django_db
def test_addresses_and_visitor_ids_are_dropped_after_the_review_closes_and_the_figure_stays(
        make_user, finalists, vote_programme, staff, settings):
    from voting.models import VisitDay, Visitor

    settings.VOTE_ADDRESS_RETENTION_DAYS = 30
    now = timezone.now()
    for number in range(2):
        visitor = Visitor.objects.create(id=f"{number:032x}", first_seen_at=now,
                                         source="direct")
        VisitDay.objects.create(visitor=visitor, day=timezone.localdate(now), first_at=now,
                                last_at=now)
        services.cast_vote(voter=make_user(email=f"a{number}@example.kz"),
                           finalist=finalists[0], client_ip="203.0.113.9",
                           visitor_id=visitor.id)
    close_vote(vote_programme)
    results.release_results(programme=vote_programme, by=staff)
    before = statistics(vote_programme).visitors_who_voted
    assert before == 2

    links = VoterLink.objects.filter(programme=vote_programme)
    retention.drop_expired_addresses(now=now + timedelta(days=29))
    assert links.filter(client_ip__isnull=False).exclude(visitor_id="").count() == 2
    retention.drop_expired_addresses(now=now + timedelta(days=31))

    assert not links.filter(client_ip__isnull=False).exists()
    assert not links.exclude(visitor_id="").exists()
    assert statistics(vote_programme).visitors_who_voted == before
    assert AuditEvent.objects.filter(action="vote.addresses_dropped").exists()
    assert retention.drop_expired_addresses(now=now + timedelta(days=32)) == 0


@pytest.mark.django_db
def test_the_staff_chart_moves_in_steps_while_the_vote_is_open(
        client, voter, finalists, vote_programme, staff, settings, time_machine):
    settings.VOTE_STAFF_CHART_MINUTES = 5
    services.cast_vote(voter=voter, finalist=finalists[0])
    cast_at = Vote.objects.get(programme=vote_programme).cast_at
    client.force_login(staff)
    url = reverse("voting:dashboard", args=[2031])

    time_machine.move_to(cast_at, tick=False)  # the step it falls in has not ended
    assert client.get(url).context["results"].counted == 0
    time_machine.move_to(cast_at + timedelta(minutes=5), tick=False)
    assert client.get(url).context["results"].counted == 1


@pytest.mark.django_db
def test_a_report_shows_each_finalists_votes_only_once_the_results_are_released(
        voter, finalists, vote_programme, staff):
    """A draft report exported during the vote (by staff, or read by the donor's observer)
    would otherwise give the running totals the staff's chart only moves in steps."""
    from ozgeris.registries import table_sources

    services.cast_vote(voter=voter, finalist=finalists[0])
    _seal(vote_programme)
    per_finalist = table_sources.get("voting.votes_per_finalist")

    assert per_finalist(vote_programme)[1] == []
    close_vote(vote_programme)
    results.release_results(programme=vote_programme, by=staff)
    assert [row[2] for row in per_finalist(vote_programme)[1]] == [1, 0, 0]


@pytest.mark.django_db
@pytest.mark.parametrize("table", ["voting.votes_per_finalist", "voting.winners_by_nomination"])
def test_a_report_shows_no_finalists_votes_while_a_release_is_withdrawn(
        voter, finalists, vote_programme, staff, table):
    """Withdrawn for a review, the results are not released any more: the winners declared
    before keep their place, but their fresh tallies stay out of the draft report."""
    from ozgeris.registries import table_sources

    services.cast_vote(voter=voter, finalist=finalists[0])
    _seal(vote_programme)
    close_vote(vote_programme)
    results.release_results(programme=vote_programme, by=staff)
    results.declare_winners(programme=vote_programme, by=staff, winners=[finalists[0]])
    rows = table_sources.get(table)

    assert 1 in rows(vote_programme)[1][0]
    results.withdraw_release(programme=vote_programme, by=staff, reason="A review")
    assert rows(vote_programme)[1] == []


@pytest.mark.django_db
def test_staff_cannot_switch_the_ballot_rule_once_the_vote_is_open(client, vote_programme,
                                                                    staff):
    """One vote per nomination switched on mid-vote would give every voter more votes."""
    current = services.settings_for(vote_programme)
    client.force_login(staff)
    url = reverse("admin:voting_votingsettings_change", args=[current.pk])

    page = client.get(url)
    client.post(url, {"one_vote_per_nomination": "on", "statistics_until": ""})

    assert 'name="one_vote_per_nomination"' not in page.content.decode()
    assert not VotingSettings.objects.get(pk=current.pk).one_vote_per_nomination
