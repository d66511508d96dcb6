"""The vote's audit page (/vote/YEAR/audit/), for the auditor seat and staff: the ledger's
verification that ``manage.py verify_ledger`` runs (``ledger.verify``, the one home of the
check), the stored signed checkpoints checked against the chain (``checkpoints.verify_against``)
and what failed, with the way to the vote's audit file (the ``votes`` export).

Read only: GET alone, nothing is written. A verification reads every vote, so its result is
kept for ``VERIFICATION_SECONDS`` per programme, in the shared cache and in the process's own
memory (which holds while Redis is down): reloading the page cannot load the server.

While the vote is open the page shows no votes per finalist: the chain verifies without them,
and a tally recomputed at each check would give the running totals vote by vote, which the
staff's chart only moves in steps (``results.staff_chart_moment``). They are shown once the
vote has closed, every finalist with its count (none counted is a 0, not a missing row); the
phase (open, closed, head published) is part of the cache key, so the first check after the
close, and after the publication, is a new one.

What failed is kept as ``ledger.Problem`` values, not text: the one cached verification is
read in Russian, Kazakh and English, and each reader's page renders it in theirs. Votes that
wait to be sealed within the grace (``ledger.waiting_to_seal``) are a neutral line, not a
failure: while the vote runs the seal takes them every few seconds."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from applications.models import Application
from ozgeris import memo
from ozgeris.models import Programme
from ozgeris.permissions import may_audit_vote, role_required
from ozgeris.registries import exporters

from . import checkpoints, ledger
from .models import Checkpoint, VoteReview
from .services import voting_closed

VERIFICATION_SECONDS = 300
RECENT_CHECKPOINTS = 10
AUDIT_FILE = "votes"  # the exporter of the vote's audit file (voting/exporters.py)


@dataclass
class Verification:
    """What one run of the verification found, in plain values (it is cached)."""

    checked_at: datetime
    position: int
    head_digest: str
    counted: int
    invalidated: int
    tally: list | None  # [(finalist id, organisation, counted votes)], most votes first;
    # None while the vote is open (verified, not shown)
    closed: bool = False
    problems: list = field(default_factory=list)  # ledger.Problem, rendered when shown
    waiting: int = 0  # votes waiting to be sealed within the grace: routine, not a problem
    published: dict | None = None  # the head published at the close, once it is
    checkpoint_count: int = 0
    checkpoint_problems: list = field(default_factory=list)
    recent_checkpoints: list = field(default_factory=list)

    @property
    def holds(self):
        return not self.problems and not self.checkpoint_problems

    @property
    def waiting_line(self):
        return ledger.waiting_line(self.waiting) if self.waiting else ""

    @property
    def next_run(self):
        return self.checked_at + timedelta(seconds=VERIFICATION_SECONDS)


def verify(programme, *, closed):
    """Run the ledger's verification and check the stored checkpoints against the chain; the
    votes per finalist only once the vote has ``closed``."""
    problems, head_digest, tally = ledger.verify(programme)
    waiting = ledger.waiting_to_seal(programme)
    head = ledger.head(programme)
    names = {}
    if closed:
        names = dict(Application.objects.filter(Q(pk__in=tally) | Q(
            pk__in=Application.objects.finalists(programme))).values_list(
            "pk", "organisation__name"))
    published = ledger.published_head(programme)
    stored = list(Checkpoint.objects.filter(programme=programme).order_by("signed_at", "pk"))
    return Verification(
        checked_at=timezone.now(),
        position=head.sequence if head else 0,
        head_digest=head_digest,
        counted=sum(tally.values()),
        invalidated=VoteReview.objects.filter(vote__programme=programme).invalidated().count(),
        tally=[(pk, names[pk], tally.get(pk, 0))
               for pk in sorted(names, key=lambda pk: (-tally.get(pk, 0), pk))
               ] if closed else None,
        closed=closed,
        problems=problems,
        waiting=waiting,
        published={"position": published.head_sequence, "digest": published.head_digest,
                   "at": published.head_published_at} if published else None,
        checkpoint_count=len(stored),
        checkpoint_problems=checkpoints.verify_against(
            programme, [checkpoints.as_dict(item, programme.year) for item in stored]),
        recent_checkpoints=[{"position": item.sequence, "digest": item.digest,
                             "signed_at": item.signed_at, "final": item.final}
                            for item in reversed(stored[-RECENT_CHECKPOINTS:])],
    )


def recent_verification(programme):
    """The verification of at most ``VERIFICATION_SECONDS`` ago in the vote's phase (open,
    closed, head published), or a new one."""
    closed = voting_closed(programme)
    phase = ("published" if ledger.published_head(programme) else "closed") if closed else "open"
    key = f"vote-audit:{programme.pk}:{phase}"
    found = cache.get(key) or memo.recall(key)
    if found is None:
        found = verify(programme, closed=closed)
        cache.set(key, found, VERIFICATION_SECONDS)
        memo.keep(key, found, VERIFICATION_SECONDS)
    return found


@role_required(may_audit_vote)
@require_safe
def audit(request, year):
    programme = get_object_or_404(Programme, year=year)
    response = render(request, "voting/audit.html", {
        "title": _("Audit of the vote"), "programme": programme,
        "verification": recent_verification(programme),
        "minutes": VERIFICATION_SECONDS // 60,
        "votes_export_title": exporters.get(AUDIT_FILE).title})
    response["Cache-Control"] = "private, no-store"
    return response
