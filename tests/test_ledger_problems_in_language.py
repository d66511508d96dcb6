"""What the ledger's verification finds, as the auditor reads it: in the page's language with
its times in Almaty time, even though one cached verification serves readers of every
language; each kind of problem named up to ``ledger.MAX_NAMED`` times and then counted; and
a vote waiting a few seconds for its seal during the vote is routine, not a failure, while one
the seal left behind is."""

import io
import secrets
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from voting import checkpoints, ledger, services
from voting.models import LedgerEntry, Vote, VoterLink
from voting.visitors import ALMATY

from .factories import as_table_owner

pytestmark = pytest.mark.django_db

AUDIT = reverse("voting:audit", args=[2031])




def _rewrite(programme, finalist):
    """Every vote of ``programme`` now for ``finalist``, behind the chain's back."""
    as_table_owner("voting_vote.voting_vote_insert_only")
    Vote.objects.filter(programme=programme).update(finalist=finalist)


def _page(client, user, language):
    client.force_login(user)
    client.cookies["ozgeris_language"] = language
    response = client.get(AUDIT)
    assert response.status_code == 200
    return response


def _in_english(problems):
    with translation.override("en"):
        return [str(problem) for problem in problems]


def _vote(programme, finalist, make_user, cast_at):
    """A vote with its voter's link, stored but not sealed, cast at ``cast_at`` (on
    PostgreSQL a trigger dates every vote at its insert: switched off here, it stands for the
    time that passed since)."""
    as_table_owner("voting_vote.voting_vote_in_window")
    vote = Vote.objects.create(programme=programme, finalist=finalist,
                               receipt_hash=secrets.token_hex(32), secret=secrets.token_hex(32),
                               cast_at=cast_at)
    VoterLink.objects.create(vote=vote, programme=programme,
                             voter=make_user(email=f"v{vote.pk}@late.example.kz"))
    return vote


# The reader's language and Almaty time ------------------------------------------------------

def test_the_kazakh_audit_page_names_a_rewritten_vote_in_kazakh(client, auditor, finalists,
                                                                cast):
    programme = finalists[0].programme
    cast(finalists[0], 2)
    _rewrite(programme, finalists[1])

    page = _page(client, auditor, "kk").content.decode()

    assert "Журнал тексеруден өтпеді" in page
    assert "1-орын: жазба хеші өз дауысына сәйкес келмейді" in page
    assert "2-орын: жазба хеші өз дауысына сәйкес келмейді" in page
    assert "does not match" not in page and "the leaf" not in page


def test_one_cached_verification_is_shown_to_each_reader_in_their_language(
        client, auditor, staff, finalists, cast, monkeypatch):
    programme = finalists[0].programme
    cast(finalists[0])
    _rewrite(programme, finalists[1])
    runs = []
    real = ledger.verify
    monkeypatch.setattr(ledger, "verify", lambda of: runs.append(1) or real(of))

    russian = _page(client, auditor, "ru").content.decode()
    kazakh = _page(client, staff, "kk").content.decode()
    english = _page(client, auditor, "en").content.decode()

    assert len(runs) == 1  # the second and third readers got the cached verification
    assert "позиция 1: хеш записи не соответствует её голосу" in russian
    assert "1-орын: жазба хеші өз дауысына сәйкес келмейді" in kazakh
    assert "position 1: the leaf does not match its vote" in english


def test_a_problems_time_is_shown_in_almaty_time(client, auditor, voter, finalists):
    programme = finalists[0].programme
    services.cast_vote(voter=voter, finalist=finalists[0])
    cast_at = (programme.voting_opens_at - timedelta(days=1)).replace(microsecond=0)
    as_table_owner("voting_vote.voting_vote_in_window")
    early = Vote.objects.create(programme=programme, finalist=finalists[1],
                                receipt_hash=secrets.token_hex(32),
                                secret=secrets.token_hex(32), cast_at=cast_at)
    ledger.seal(programme.pk)
    position = early.ledger_entry.sequence
    almaty = timezone.localtime(cast_at, ALMATY).strftime("%d.%m.%Y %H:%M:%S")

    page = _page(client, auditor, "kk").content.decode()

    assert (f"{position}-орын: дауыс дауыс беру мерзімінен тыс берілген "
            f"({almaty}, Алматы уақыты)") in page
    assert cast_at.isoformat() not in page
    assert almaty != cast_at.strftime("%d.%m.%Y %H:%M:%S")  # Almaty is not UTC


def test_a_stored_checkpoint_the_chain_no_longer_reaches_is_named_in_kazakh(
        client, auditor, finalists, cast):
    programme = finalists[0].programme
    cast(finalists[0], 2)
    signed = checkpoints.make_checkpoint(programme)  # at position 2
    as_table_owner("voting_vote.voting_vote_insert_only",
              "voting_ledgerentry.voting_ledgerentry_insert_only")
    cut = LedgerEntry.objects.get(programme=programme, sequence=2)
    VoterLink.objects.filter(vote_id=cut.vote_id).delete()
    cut.delete()
    Vote.objects.filter(pk=cut.vote_id).delete()
    almaty = timezone.localtime(signed.signed_at, ALMATY).strftime("%d.%m.%Y %H:%M:%S")

    page = _page(client, auditor, "kk").content.decode()

    assert ("2-орын тізбекте жоқ, тізбек 1-орында аяқталады, бірақ оған "
            f"{almaty} (Алматы уақыты) қол қойылған 2-орынның бақылау нүктесі қол қойған: "
            "журнал қысқартылған") in page
    assert checkpoints.utc_text(signed.signed_at) not in page


# Every kind of problem is capped ------------------------------------------------------------

def test_thirty_rewritten_votes_are_named_up_to_the_cap_then_counted(
        client, auditor, finalists, cast):
    programme = finalists[0].programme
    cast(finalists[0], 30)
    _rewrite(programme, finalists[1])

    problems = _in_english(ledger.verify(programme)[0])

    assert problems == [f"position {position}: the leaf does not match its vote"
                        for position in range(1, ledger.MAX_NAMED + 1)] + [
        f"… and {30 - ledger.MAX_NAMED} more of the same kind"]
    page = _page(client, auditor, "kk").content.decode()
    assert page.count("жазба хеші өз дауысына сәйкес келмейді") == ledger.MAX_NAMED
    assert f"… және осындай тағы {30 - ledger.MAX_NAMED} мәселе" in page


def test_each_kind_is_capped_on_its_own(finalists, cast, settings):
    """Twenty-five rewritten votes that were also cast outside the window: each kind keeps
    its own first MAX_NAMED and its own count."""
    programme = finalists[0].programme
    cast(finalists[0], 25)
    _rewrite(programme, finalists[1])
    programme.voting_opens_at = timezone.now()  # every vote now before the window
    programme.save(update_fields=["voting_opens_at"])

    problems = _in_english(ledger.verify(programme)[0])

    mismatches = [problem for problem in problems if "does not match" in problem]
    outside = [problem for problem in problems if "outside the vote's window" in problem]
    assert len(mismatches) == len(outside) == ledger.MAX_NAMED
    assert problems.count("… and 5 more of the same kind") == 2
    assert len(problems) == 2 * (ledger.MAX_NAMED + 1)


# Votes waiting for their seal ---------------------------------------------------------------

def test_a_vote_waiting_for_its_seal_during_the_vote_keeps_the_page_green(
        client, auditor, voter, finalists):
    programme = finalists[0].programme
    services.cast_vote(voter=voter, finalist=finalists[0])  # its seal runs after the commit

    assert ledger.verify(programme)[0] == []
    response = _page(client, auditor, "ru")
    verification = response.context["verification"]
    page = response.content.decode()

    assert verification.holds and verification.waiting == 1
    assert "Журнал проверен" in page and "Журнал не прошёл проверку" not in page
    assert "1 голос ожидает внесения в журнал" in page


def test_a_vote_the_seal_left_behind_turns_the_page_red(client, auditor, finalists,
                                                        make_user, settings):
    programme = finalists[0].programme
    grace = timedelta(seconds=settings.HEALTH_UNSEALED_MAX_AGE)
    cast_at = (timezone.now() - grace - timedelta(minutes=1)).replace(microsecond=0)
    left = _vote(programme, finalists[0], make_user, cast_at)
    almaty = timezone.localtime(cast_at, ALMATY).strftime("%d.%m.%Y %H:%M:%S")

    assert _in_english(ledger.verify(programme)[0]) == [
        f"vote #{left.pk}, cast at {almaty} (Almaty time), is not in the ledger yet: the votes "
        "are not being sealed"]
    response = _page(client, auditor, "kk")
    page = response.content.decode()

    assert not response.context["verification"].holds
    assert response.context["verification"].waiting == 0
    assert "Журнал тексеруден өтпеді" in page
    assert f"№{left.pk} дауыс әлі журналға енгізілмеген" in page


def test_once_the_head_is_published_an_unsealed_vote_is_a_problem_however_fresh(
        finalists, cast, make_user):
    from voting import results

    from .factories import close_vote

    programme = finalists[0].programme
    cast(finalists[0])
    close_vote(programme)
    results.publish_head(programme)
    late = _vote(programme, finalists[0], make_user, programme.voting_closes_at
                 - timedelta(seconds=1))

    assert ledger.waiting_to_seal(programme) == 0
    assert _in_english(ledger.verify(programme)[0]) == [
        f"vote #{late.pk} is not in the ledger although the head is published"]


def test_verify_ledger_prints_the_waiting_votes_and_passes(voter, finalists):
    services.cast_vote(voter=voter, finalist=finalists[0])
    out = io.StringIO()

    call_command("verify_ledger", "--programme", "2031", stdout=out)

    assert "1 vote is waiting to be sealed into the ledger" in out.getvalue()
    assert "The ledger verifies." in out.getvalue()
