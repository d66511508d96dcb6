"""The outcome of the vote: the tally, the head digest published at close, the release of the
results and the declaration of the winners.

The tally is an indexed GROUP BY over the votes that count (every vote except those a reviewer
invalidated), computed in one place. The public pages read it through a cache of a few
seconds; staff pages and exports read it fresh. Nothing here keeps a counter of its own.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import services as application_services
from applications.models import Application, Status
from ozgeris import audit

from . import checkpoints, ledger
from .models import ReviewStatus, Vote, VoteReview, VotingSettings
from .services import VotingError, seal_and_email_receipts, settings_for, voting_closed

TALLY_SECONDS = 5


def _tally_key(programme_id):
    return f"voting:tally:{programme_id}"


def tally(programme, *, fresh=False, cast_before=None):
    """{finalist id: counted votes}. Cached for a few seconds unless ``fresh``. Once the head
    is published the ledger up to it is the count (anything after it is not a vote); before,
    every committed vote counts, sealed or not yet. ``cast_before``: only votes cast before
    that moment (never cached)."""
    if not fresh and cast_before is None:
        found = cache.get(_tally_key(programme.pk))
        if found is not None:
            return found
    if settings_for(programme).head_published_at:
        return _remember(programme, ledger.counted(programme), cast_before)
    votes = (Vote.objects.filter(programme=programme)
             .exclude(review__status=ReviewStatus.INVALIDATED))
    if cast_before is not None:
        votes = votes.filter(cast_at__lt=cast_before)
    counted = dict(votes.values("finalist").annotate(votes=Count("id"))
                   .values_list("finalist", "votes"))
    return _remember(programme, counted, cast_before)


def _remember(programme, counted, cast_before):
    if cast_before is not None:
        return counted
    cache.set(_tally_key(programme.pk), counted, TALLY_SECONDS)
    return counted


def forget_tally(programme_id):
    cache.delete(_tally_key(programme_id))


@dataclass
class FinalistResult:
    application: Application
    votes: int
    share: float  # of the counted votes, in per cent


@dataclass
class NominationResults:
    nomination: object
    rows: list


@dataclass
class Results:
    rows: list
    by_nomination: list
    counted: int
    invalidated: int
    under_review: int
    released_at: object = None
    winners: list = field(default_factory=list)


def results(programme, *, fresh=False, cast_before=None):
    """Totals per finalist (most votes first), grouped by nomination, with the number of
    invalidated votes and of votes still under review (``cast_before``: see ``tally``)."""
    counts = tally(programme, fresh=fresh, cast_before=cast_before)
    counted = sum(counts.values())
    finalists = Application.objects.finalists(programme).order_by("nomination__order",
                                                                  "organisation__name")
    rows = sorted(
        (FinalistResult(application, counts.get(application.pk, 0),
                        round(100 * counts.get(application.pk, 0) / counted, 1) if counted else 0)
         for application in finalists),
        key=lambda row: (-row.votes, row.application.organisation.name))
    groups = {}
    for row in rows:
        groups.setdefault(row.application.nomination, []).append(row)
    by_nomination = [NominationResults(nomination, group) for nomination, group in
                     sorted(groups.items(), key=lambda item: item[0].order)]
    reviews = dict(VoteReview.objects.filter(vote__programme=programme).values("status")
                   .annotate(n=Count("id")).values_list("status", "n"))
    return Results(
        rows=rows, by_nomination=by_nomination, counted=counted,
        invalidated=reviews.get(ReviewStatus.INVALIDATED, 0),
        under_review=reviews.get(ReviewStatus.UNDER_REVIEW, 0),
        released_at=settings_for(programme).results_released_at,
        winners=[row for row in rows if row.application.status == Status.WINNER])


def publish_head(programme, *, at=None):
    """When the vote has closed: seal what is left and publish the head of the chain (its
    position and digest), once. Returns the vote settings. Side effects: the last seal and its
    receipts; the settings, an audit entry ``vote.head_published``; the final signed
    checkpoint over the published head and its mail (checkpoints.make_checkpoint).

    The last seal and the publication hold the chain's lock (``ledger.lock_chain``) together:
    a seal started in between (a vote that committed just after the close asks for one) waits,
    then finds the chain closed, instead of appending an entry after the head read here."""
    if not voting_closed(programme):
        raise VotingError(_("The head digest is published when the public vote has closed."))
    settings_for(programme)  # the row exists before it is locked
    with transaction.atomic():
        ledger.lock_chain(programme.pk)
        seal_and_email_receipts(programme.pk)
        current = VotingSettings.objects.select_for_update().get(
            programme=programme)
        if current.head_published_at:
            return current
        head = ledger.head(programme)
        current.head_sequence = head.sequence if head else 0
        current.head_digest = head.leaf if head else ledger.GENESIS
        current.head_published_at = at or timezone.now()
        current.save(update_fields=["head_sequence", "head_digest", "head_published_at"])
        audit.record(None, "vote.head_published", programme, at=at,
                     sequence=current.head_sequence, digest=current.head_digest)
    programme._voting_settings = current
    checkpoints.make_checkpoint(programme, final=True, at=at)  # kept outside the database
    return current


@dataclass(frozen=True)
class Release:
    """The release of a programme's results as it stands: when, and the head it fixed."""

    released_at: datetime
    head_sequence: int
    head_digest: str


def current_release(programme):
    """The release of ``programme``'s results (or its id's), or None when staff have not
    released them or withdrew the release. Read only: the settings' row is not made here."""
    found = (VotingSettings.objects.filter(programme=programme, results_released_at__isnull=False)
             .values_list("results_released_at", "head_sequence", "head_digest").first())
    return Release(*found) if found else None


def results_released(programme):
    """Whether staff released the results (and did not withdraw the release) of ``programme``
    (or its id). Whoever may read, show or change the vote's totals asks this."""
    return current_release(programme) is not None


def announced_winner(application):
    """Whether the public is told that ``application`` won: declared a winner, while the
    release stands. A withdrawn release takes the announcement back with the totals (the
    status stays: there is no way back from a winner). Asks the database for winners only."""
    return application.status == Status.WINNER and results_released(application.programme_id)


def release_results(*, programme, by, at=None):
    """Make the results public. Only after the vote has closed, and with its head digest
    published first (so the chain is fixed before anyone sees the totals). Side effects: the
    settings, an audit entry ``vote.results_released``."""
    publish_head(programme, at=at)
    with transaction.atomic():
        current = VotingSettings.objects.select_for_update().get(
            programme=programme)
        if current.results_released_at:
            raise VotingError(_("The results have already been released."))
        current.results_released_at = at or timezone.now()
        current.save(update_fields=["results_released_at"])
        audit.record(by, "vote.results_released", programme, at=at)
    programme._voting_settings = current
    return current


def withdraw_release(*, programme, by, reason, at=None):
    """Take the released results back, with a reason, so that a review decision may change
    them; the withdrawal stays on the public results page. Side effects: the settings, an
    audit entry ``vote.release_withdrawn``."""
    if not (reason or "").strip():
        raise VotingError(_("Give the reason for withdrawing the release."))
    with transaction.atomic():
        current = VotingSettings.objects.select_for_update().filter(programme=programme).first()
        if current is None or not current.results_released_at:
            raise VotingError(_("The results are not released."))
        current.results_released_at = None
        current.release_withdrawn_at = at or timezone.now()
        current.release_withdrawal_reason = reason.strip()
        current.save(update_fields=["results_released_at", "release_withdrawn_at",
                                    "release_withdrawal_reason"])
        audit.record(by, "vote.release_withdrawn", programme, at=at, reason=reason.strip())
    programme._voting_settings = current
    forget_tally(programme.pk)
    return current


def staff_chart_moment(programme, now=None):
    """While the vote is open the staff see the totals as they stood at the last full
    VOTE_STAFF_CHART_MINUTES step, so that a watched vote does not move a bar; None (live)
    once it has closed."""
    now = now or timezone.now()
    if not programme.voting_opens_at <= now < programme.voting_closes_at:
        return None
    step = django_settings.VOTE_STAFF_CHART_MINUTES * 60
    return datetime.fromtimestamp(now.timestamp() // step * step, tz=UTC)


def top_per_nomination(programme, per_nomination, *, now=None):
    """The ``per_nomination`` finalists with most votes in each nomination (a tie at the
    cut-off takes everyone tied, for staff to settle). While the vote is open, by the totals
    of the staff's chart (``staff_chart_moment``), so that the finalists it ticks do not move
    with each vote."""
    chosen = []
    moment = staff_chart_moment(programme, now)
    for group in results(programme, fresh=True, cast_before=moment).by_nomination:
        if len(group.rows) <= per_nomination:
            chosen.extend(row.application for row in group.rows)
            continue
        threshold = group.rows[per_nomination - 1].votes
        chosen.extend(row.application for row in group.rows if row.votes >= threshold)
    return chosen


def declare_winners(*, programme, by, winners, at=None):
    """Declare ``winners`` (finalists of ``programme``) the winners of the vote, through the
    applications' status service. Only after the results are released. Side effects: each
    application's status and its audit entry; an audit entry ``vote.winners_declared``."""
    if not settings_for(programme).results_released_at:
        raise VotingError(_("Release the results before declaring the winners."))
    ids = {application.pk for application in winners}
    finalists = Application.objects.finalists(programme).filter(pk__in=ids)
    if len(finalists) != len(ids):
        raise VotingError(_("Only finalists of this programme can be declared winners."))
    with transaction.atomic():
        declared = []
        for application in finalists:
            if application.status == Status.WINNER:
                continue
            application_services.change_status(
                application=application, to=Status.WINNER, by=by, now=at,
                reason=_("Winner of the public vote"))
            declared.append(application.pk)
        audit.record(by, "vote.winners_declared", programme, at=at, applications=declared)
    return declared
