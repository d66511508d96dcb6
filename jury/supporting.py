"""The supporting-organisation nominations (best CSR programme, best international initiative,
best state support measure, best media coverage): each juror votes for one nominee or abstains
with a reason (a conflict of interest); the laureate is the plurality winner.

Votes are ``NomineeVote`` rows (one per juror and nomination, a database constraint). Closing
a nomination's vote is an audit entry (``jury.nominee_vote_closed``) holding the outcome; the
outcomes themselves are always computed from the votes by ``laureates``.

2019: Chevron won the CSR nomination with three votes of three while two members abstained
for a conflict of interest («единогласно»); USAID and Samruk-Kazyna Trust won the
international and state nominations; the media nomination had no nominees and no laureate.
"""

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from ozgeris import audit
from ozgeris.models import AuditEvent, Nomination, localized
from ozgeris.permissions import is_programme_staff
from ozgeris.registries import register_indicator, register_table

from .models import Nominee, NomineeVote
from .services import JuryError, may_decide

VOTE_CAST = "jury.nominee_vote_cast"
VOTE_CLOSED = "jury.nominee_vote_closed"


@dataclass
class NominationOutcome:
    """Where a supporting nomination's vote stands (or ended, once ``closed``)."""

    nomination: Nomination
    votes: dict = field(default_factory=dict)        # Nominee → count, in nominee order
    laureate: Nominee | None = None                   # None: no votes, or a tie for first
    tied: list = field(default_factory=list)         # the nominees tied for first
    abstentions: list = field(default_factory=list)  # [(JuryMember, reason)]
    voters: int = 0                                   # votes for a nominee (not abstentions)
    unanimous: bool = False                           # every such vote went to the laureate
    closed: bool = False


def supporting_nominations(programme):
    return Nomination.objects.filter(
        programme=programme, kind=Nomination.Kind.SUPPORTING).order_by("order", "id")


def is_vote_closed(nomination):
    return audit.history(nomination).filter(action=VOTE_CLOSED).exists()


# ---------------------------------------------------------------------------
# Outcomes
# ---------------------------------------------------------------------------

def _outcomes(nominations):
    """Outcomes of the given nominations in four queries, whatever their number."""
    nominations = list(nominations.prefetch_related(Prefetch(
        "nominees",
        queryset=Nominee.objects.annotate(vote_count=Count("votes")).order_by("order", "id"))))
    if not nominations:
        return []
    ids = [nomination.pk for nomination in nominations]
    abstained = {}
    for vote in (NomineeVote.objects.filter(nomination_id__in=ids, nominee__isnull=True)
                 .select_related("juror__user").order_by("juror__order", "juror_id")):
        abstained.setdefault(vote.nomination_id, []).append((vote.juror, vote.abstention_reason))
    closed = set(AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Nomination),
        object_id__in=[str(pk) for pk in ids], action=VOTE_CLOSED,
    ).values_list("object_id", flat=True))

    outcomes = []
    for nomination in nominations:
        votes = {nominee: nominee.vote_count for nominee in nomination.nominees.all()}
        outcome = NominationOutcome(
            nomination=nomination, votes=votes, voters=sum(votes.values()),
            abstentions=abstained.get(nomination.pk, []), closed=str(nomination.pk) in closed)
        top = max(votes.values(), default=0)
        if top:
            leaders = [nominee for nominee, count in votes.items() if count == top]
            if len(leaders) == 1:
                outcome.laureate = leaders[0]
                outcome.unanimous = top == outcome.voters
            else:
                outcome.tied = leaders
        outcomes.append(outcome)
    return outcomes


def laureates(programme):
    """The outcome of every supporting nomination of the programme, in order: the plurality
    winner (none on a tie for first or without votes), the counts, the abstentions with their
    reasons, unanimity among those who voted, and whether the vote is closed."""
    return _outcomes(supporting_nominations(programme))


def outcome_of(nomination):
    return _outcomes(Nomination.objects.filter(pk=nomination.pk))[0]


# ---------------------------------------------------------------------------
# Voting and closing
# ---------------------------------------------------------------------------

def _lock(nomination):
    """Votes and the closing of one nomination take turns (a row lock on PostgreSQL)."""
    Nomination.objects.select_for_update().filter(pk=nomination.pk).first()


def cast_nominee_vote(*, juror, nomination, nominee=None, abstention_reason="", by, now=None):
    """The juror votes for ``nominee`` or, with ``nominee=None``, abstains with a reason.

    One vote per juror and nomination: a second call replaces the first while the vote is
    open; after ``close_nomination_vote`` it is refused. The voter is the juror, or programme
    staff recording the sitting's votes on the juror's behalf (logged as ``on_behalf``). A
    reason given with a vote for a nominee is dropped. Refused (``JuryError``): a nomination
    that is not a supporting one of the juror's programme, a nominee of another nomination,
    an abstention without a reason, a closed vote.
    Side effects: the ``NomineeVote`` row, an audit entry on the nomination.
    """
    if nomination.kind != Nomination.Kind.SUPPORTING:
        raise JuryError(_("This is not a supporting-organisation nomination."))
    if nomination.programme_id != juror.programme_id:
        raise JuryError(_("This nomination belongs to another programme."))
    on_behalf = getattr(by, "pk", None) != juror.user_id
    if on_behalf and not is_programme_staff(by):
        raise JuryError(_("Only the juror or programme staff can record this vote."))
    reason = (abstention_reason or "").strip()
    if nominee is not None:
        if nominee.nomination_id != nomination.pk:
            raise JuryError(_("This nominee is not in this nomination."))
        reason = ""
    elif not reason:
        raise JuryError(_("Give the reason for abstaining, such as a conflict of interest."))
    now = now or timezone.now()
    with transaction.atomic():
        _lock(nomination)
        if is_vote_closed(nomination):
            raise JuryError(_("The vote in this nomination is closed."))
        vote, created = NomineeVote.objects.update_or_create(
            nomination=nomination, juror=juror,
            defaults={"nominee": nominee, "abstention_reason": reason, "cast_at": now})
        audit.record(by, VOTE_CAST, nomination, at=now, juror=juror.pk,
                     nominee=nominee.pk if nominee else None, abstained=nominee is None,
                     reason=reason, replaced=not created, on_behalf=on_behalf)
    return vote


def close_nomination_vote(*, nomination, by, now=None):
    """Staff or the chair close a supporting nomination's vote: no vote is cast or changed
    afterwards. Returns the ``NominationOutcome``; the audit entry records it (laureate,
    counts, abstentions, unanimity, tie). A nomination without nominees or votes closes with
    no laureate."""
    if nomination.kind != Nomination.Kind.SUPPORTING:
        raise JuryError(_("This is not a supporting-organisation nomination."))
    if not may_decide(by, nomination.programme):
        raise JuryError(_("Only programme staff or the chair can close the vote."))
    with transaction.atomic():
        _lock(nomination)
        if is_vote_closed(nomination):
            raise JuryError(_("The vote in this nomination is already closed."))
        outcome = outcome_of(nomination)
        audit.record(
            by, VOTE_CLOSED, nomination, at=now,
            laureate=outcome.laureate.pk if outcome.laureate else None,
            laureate_name=outcome.laureate.name if outcome.laureate else "",
            votes=[[nominee.pk, nominee.name, count] for nominee, count in outcome.votes.items()],
            voters=outcome.voters, abstentions=[[member.pk, reason]
                                                for member, reason in outcome.abstentions],
            unanimous=outcome.unanimous, tied=[nominee.pk for nominee in outcome.tied])
    outcome.closed = True
    return outcome


# ---------------------------------------------------------------------------
# What the grant report counts and shows (registered by ``register``)
# ---------------------------------------------------------------------------

def nominations_awarded(programme):
    """Supporting nominations whose vote is closed with a laureate."""
    return sum(1 for outcome in laureates(programme) if outcome.closed and outcome.laureate)


def laureates_table(programme):
    """One row per supporting nomination: its laureate (once the vote is closed), the
    laureate's votes, and «unanimously» where every vote went to the laureate."""
    rows = []
    for outcome in laureates(programme):
        awarded = outcome.closed and outcome.laureate is not None
        rows.append((
            localized(outcome.nomination, "title"),
            outcome.laureate.name if awarded else "—",
            outcome.votes[outcome.laureate] if awarded else "",
            _("unanimously") if awarded and outcome.unanimous else "",
        ))
    return [_("Nomination"), _("Laureate"), _("Votes"), _("Unanimous")], rows


def register():
    register_indicator("jury.supporting_nominations_awarded", nominations_awarded)
    register_table("jury.supporting_laureates", laureates_table)
