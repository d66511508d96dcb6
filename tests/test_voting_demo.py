"""The vote's part of the live edition (voting/demo/live.py) keeps the vote's own rules: its
winners are the staff's rule (``results.top_per_nomination``), and the vote closes by the
database's clock, the one that dates the votes."""

import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone

from applications.models import Application, Status
from ozgeris.demo import live as live_edition
from ozgeris.models import Programme
from voting import review
from voting.demo import live
from voting.models import ReviewStatus

from .factories import close_vote


@pytest.mark.django_db
def test_the_demo_declares_every_finalist_tied_at_the_top(demo_programme, finalists, cast,
                                                          staff):
    """Two finalists tied at the top of the nomination both win (a tie is for staff to settle,
    never by name); an invalidated vote does not count towards it."""
    programme = finalists[0].programme
    cast(finalists[2])
    review.set_review_status(vote=programme.votes.get(), status=ReviewStatus.INVALIDATED,
                             by=staff, reason="bot")
    cast(finalists[0], 2)
    cast(finalists[1], 2)
    cast(finalists[2])  # two votes cast, one counted
    close_vote(programme)

    live.run(programme=programme, phase="results", log=lambda line: None)

    won = Application.objects.filter(programme=programme, status=Status.WINNER)
    assert set(won.values_list("pk", flat=True)) == {finalists[0].pk, finalists[1].pk}


@pytest.mark.django_db
def test_the_results_phase_closes_the_vote_by_the_databases_clock(demo_programme, monkeypatch):
    """This process's clock an hour ahead of the database's: the vote still closes at the
    database's now, so the results can be released and the ledger verifies."""
    ahead = SimpleNamespace(now=lambda: timezone.now() + timedelta(hours=1),
                            localdate=timezone.localdate, make_aware=timezone.make_aware)
    monkeypatch.setattr(live_edition, "timezone", ahead)

    call_command("seed_demo", "--if-empty", "--phase", "results", stdout=io.StringIO())

    programme = Programme.objects.current()
    assert programme.voting_closes_at <= timezone.now()
    assert programme.voting_settings.results_released_at is not None
    out = io.StringIO()
    call_command("verify_ledger", "--programme", str(programme.year), stdout=out)
    assert "The ledger verifies." in out.getvalue()
