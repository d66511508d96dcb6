"""The tamper-evident ledger of the vote.

Each committed vote gets a position and a leaf:

    leaf_n = SHA-256(leaf_{n-1} ‖ SHA-256(receipt) ‖ finalist id ‖ cast time ‖ secret)

with leaf_0 = 64 zeros. The per-vote secret stays on the server (it goes only into the
auditor's export), so a receipt holder cannot test a public leaf against the finalists to
prove how someone voted. Sealing is done by a single writer after commit (a task, inline in
the embedded default), so casting a vote never waits on the chain.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_noop, ngettext

from ozgeris.models import Programme

from .models import (
    Checkpoint,
    LedgerEntry,
    ReviewStatus,
    Vote,
    VoteReview,
    VoteStatusChange,
    VotingSettings,
)
from .visitors import ALMATY

GENESIS = "0" * 64


def leaf(previous, vote):
    material = "|".join([previous, vote.receipt_hash, str(vote.finalist_id),
                         vote.cast_at.isoformat(), vote.secret])
    return hashlib.sha256(material.encode()).hexdigest()


def lock_chain(programme_id):
    """Take the chain's lock, the programme row's, until the transaction ends, and return the
    programme. It is a "no key update" lock, which votes' foreign-key checks on that row do
    not wait for. Whoever appends to the chain or fixes its head holds it: the seal, and the
    publication of the head (results.publish_head), so that no seal slips in between the last
    seal and the publication."""
    programmes = Programme.objects.filter(pk=programme_id)
    if connection.features.has_select_for_update:
        programmes = programmes.select_for_update(no_key=True)
    return programmes.get()


def seal(programme_id, *, replay_delay=None):
    """Append a ledger entry for every committed vote not yet sealed, in order of casting.
    Returns the new entries. The chain's lock (``lock_chain``) makes this the only writer.
    Once the head is published the chain is closed: nothing more is sealed (a vote found
    then was not cast through the portal, and ``verify`` names it). ``replay_delay`` (the
    demo replaying 2019) dates each entry that long after its vote instead of now."""
    with transaction.atomic():
        programme = lock_chain(programme_id)
        if published_head(programme) is not None:
            return []
        head = LedgerEntry.objects.filter(programme=programme).order_by("-sequence").first()
        previous, sequence = (head.leaf, head.sequence) if head else (GENESIS, 0)
        pending = (Vote.objects.filter(programme=programme, ledger_entry__isnull=True)
                   .order_by("cast_at", "pk"))
        entries = []
        for vote in pending:
            sequence += 1
            previous = leaf(previous, vote)
            entry = LedgerEntry(programme=programme, sequence=sequence, vote=vote, leaf=previous)
            if replay_delay is not None:
                entry.sealed_at = vote.cast_at + replay_delay
            entries.append(entry)
        LedgerEntry.objects.bulk_create(entries)
    return entries


def published_head(programme):
    """The programme's vote settings once its head is published (the chain is closed), else
    None: the one test of "published" that sealing, counting and verifying share."""
    return VotingSettings.objects.filter(programme=programme,
                                         head_published_at__isnull=False).first()


def head(programme):
    return LedgerEntry.objects.filter(programme=programme).order_by("-sequence").first()


# The verification's findings ---------------------------------------------------------------

# A kind of problem (a forged batch, a rewritten chain) is named up to this many times, then
# counted on one line.
MAX_NAMED = 20
TIME_SHOWN = "d.m.Y H:i:s"  # as the audit page shows its times, in Almaty time


@dataclass
class Problem:
    """One thing the verification found wrong: its message (an English msgid, marked with
    ``gettext_noop`` where it is made) and the values it names. ``str()`` renders it in the
    active language when it is shown, not when it is found: the audit page keeps one
    verification for its readers of every language (in the cache, pickled), and the command
    prints in its own. A time is shown in Almaty time, a review status by its label, a
    Problem inside another rendered in the same language."""

    message: str
    params: dict = field(default_factory=dict)

    def __str__(self):
        return gettext(self.message) % {name: _shown(value)
                                        for name, value in self.params.items()}


@dataclass
class More:
    """The line that stands for the problems of one kind past the first ``MAX_NAMED``."""

    count: int

    def __str__(self):
        return ngettext("… and %(count)s more of the same kind",
                        "… and %(count)s more of the same kind", self.count) % {
            "count": self.count}


def _shown(value):
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value, ALMATY), TIME_SHOWN)
    if isinstance(value, ReviewStatus):
        return str(value.label)
    return str(value)


class Findings:
    """The problems of a verification, kind by kind in the order each kind was first met: the
    first ``MAX_NAMED`` of a kind named, the rest counted on one ``More`` line after them (the
    one home of that cap). A kind is its message unless ``kind`` groups several."""

    def __init__(self):
        self._named = {}
        self._beyond = {}

    def add(self, message, *, kind=None, **params):
        named = self._named.setdefault(kind or message, [])
        if len(named) < MAX_NAMED:
            named.append(Problem(message, params))
        else:
            self.beyond(kind or message, 1)

    def beyond(self, kind, count):
        """``count`` more of ``kind`` than were added (counted by a query, not fetched)."""
        if count > 0:
            self._named.setdefault(kind, [])
            self._beyond[kind] = self._beyond.get(kind, 0) + count

    def add_first(self, kind, rows, describe):
        """Name the first ``MAX_NAMED`` of a query's ``rows`` as ``kind`` (``describe(row)``
        gives the message and its values) and count the rest, without fetching them."""
        first = list(rows[:MAX_NAMED])
        for row in first:
            message, params = describe(row)
            self.add(message, kind=kind, **params)
        if len(first) == MAX_NAMED:
            self.beyond(kind, rows.count() - MAX_NAMED)

    def problems(self):
        found = []
        for kind, named in self._named.items():
            found += named
            if self._beyond.get(kind):
                found.append(More(self._beyond[kind]))
        return found


def unsealed_max_age():
    """Seconds a vote may wait to be sealed before /healthz calls the ledger late."""
    return settings.HEALTH_UNSEALED_MAX_AGE


def unsealed_grace():
    """How long a vote may wait to be sealed before the verification calls it a problem: the
    seal runs after each vote and every 5 s (beat's ``seal-vote-ledger``), so a vote found
    unsealed within this is routine; past it the seal has stopped. The same limit past which
    /healthz calls the ledger "late" (``HEALTH_UNSEALED_MAX_AGE``)."""
    return timedelta(seconds=unsealed_max_age())


def _unsealed(programme):
    return Vote.objects.filter(programme=programme, ledger_entry__isnull=True)


def waiting_to_seal(programme):
    """How many votes wait to be sealed within ``unsealed_grace`` while the head is not
    published: not a problem (``verify`` leaves them out), shown beside its result. None wait
    once the head is published: a vote not sealed then never will be, and ``verify`` names
    it."""
    if published_head(programme) is not None:
        return 0
    return _unsealed(programme).filter(cast_at__gte=timezone.now() - unsealed_grace()).count()


def waiting_line(count):
    """The neutral line that says how many votes wait to be sealed (``waiting_to_seal``)."""
    return ngettext(
        "%(count)s vote is waiting to be sealed into the ledger: this is routine while the "
        "vote runs, the seal takes new votes every few seconds.",
        "%(count)s votes are waiting to be sealed into the ledger: this is routine while the "
        "vote runs, the seal takes new votes every few seconds.", count) % {"count": count}


def verify(programme):
    """Recompute the chain and the tally from the stored votes. Returns (problems, head leaf,
    tally {finalist id: counted votes}); problems (``Problem`` and ``More``, rendered by
    ``str()``) is empty when everything matches, and each names the position or the vote it
    is about.

    Besides the chain itself, once the head is published: the published digest is the chain's
    leaf at its position, no entry may follow it, none may have been sealed after the
    publication, every vote must be in the chain up to it, and the published head must be
    the one the final checkpoint signed (``_against_final_checkpoint``). Before that, a vote
    not yet sealed is a problem only once it has waited past ``unsealed_grace`` (the others
    are ``waiting_to_seal``). At any time: every vote was cast inside the vote's window and
    has its voter's link (a row inserted past the portal has neither), and every vote's
    review status is the last decision of its insert-only history
    (``_reviews_against_history``)."""
    findings = Findings()
    previous = GENESIS
    expected_sequence = 0
    published = published_head(programme)
    opens, closes = programme.voting_opens_at, programme.voting_closes_at
    entries = (LedgerEntry.objects.filter(programme=programme).select_related("vote")
               .order_by("sequence"))
    for entry in entries.iterator(chunk_size=2000):
        expected_sequence += 1
        if entry.sequence != expected_sequence:
            findings.add(gettext_noop("position %(position)s is missing"),
                         position=expected_sequence)
            expected_sequence = entry.sequence
        previous = leaf(previous, entry.vote)
        if previous != entry.leaf:
            findings.add(gettext_noop("position %(position)s: the leaf does not match its vote"),
                         position=entry.sequence)
            previous = entry.leaf  # go on checking the rest of the chain
        if not opens <= entry.vote.cast_at < closes:
            findings.add(gettext_noop("position %(position)s: the vote was cast outside the "
                                      "vote's window (%(cast_at)s, Almaty time)"),
                         position=entry.sequence, cast_at=entry.vote.cast_at)
        if published and entry.sequence > published.head_sequence:
            findings.add(gettext_noop("position %(position)s: an entry after the published head "
                                      "(position %(head)s)"),
                         position=entry.sequence, head=published.head_sequence)
        elif published and entry.sealed_at > published.head_published_at:
            findings.add(gettext_noop("position %(position)s: sealed after the head was "
                                      "published"), position=entry.sequence)
    if published:
        at_close = (LedgerEntry.objects.filter(programme=programme,
                                               sequence=published.head_sequence)
                    .values_list("leaf", flat=True).first() or GENESIS)
        if at_close != published.head_digest:
            findings.add(gettext_noop("the head digest published at the close does not match "
                                      "the chain at position %(position)s"),
                         position=published.head_sequence)
    _against_final_checkpoint(findings, programme, published)
    _reviews_against_history(findings, programme)
    _unsealed_problems(findings, programme, published)
    unlinked = (Vote.objects.filter(programme=programme, link__isnull=True).order_by("pk")
                .values_list("pk", "ledger_entry__sequence"))
    findings.add_first("unlinked", unlinked, _unlinked)
    return findings.problems(), previous, counted(programme)


def _unsealed_problems(findings, programme, published):
    """The votes not in the ledger: every one once the head is published (it never will be),
    before that those that waited past ``unsealed_grace`` (the seal has stopped)."""
    unsealed = _unsealed(programme)
    if published:
        message = gettext_noop("vote #%(vote)s is not in the ledger although the head is "
                               "published")
    else:
        unsealed = unsealed.filter(cast_at__lt=timezone.now() - unsealed_grace())
        message = gettext_noop("vote #%(vote)s, cast at %(cast_at)s (Almaty time), is not in "
                               "the ledger yet: the votes are not being sealed")

    findings.add_first(message, unsealed.order_by("pk").values_list("pk", "cast_at"),
                       lambda row: (message, {"vote": row[0], "cast_at": row[1]}))


def _unlinked(row):
    vote_id, position = row
    if position:
        return gettext_noop("position %(position)s: the vote has no voter's link (not cast "
                            "through the portal)"), {"position": position}
    return gettext_noop("vote #%(vote)s: the vote has no voter's link (not cast through the "
                        "portal)"), {"vote": vote_id}


def _against_final_checkpoint(findings, programme, published):
    """The published head against the final checkpoint, signed over it at the close and
    mailed (checkpoints.py). The settings' head columns are a row anyone who can write the
    database could clear, move and publish again over a longer chain, which then verifies
    on its own; the final checkpoint is insert-only and signed with a key the database never
    holds, so the head must still be the one it signed. Whether that checkpoint's signature
    holds is checked with the other checkpoints (``checkpoints.verify_against``)."""
    final = Checkpoint.objects.filter(programme=programme, final=True).first()
    if final is None:
        return
    if published is None:
        findings.add(gettext_noop("the final checkpoint signed the published head (position "
                                  "%(position)s, digest %(digest)s), but no head is published "
                                  "now"), position=final.sequence, digest=final.digest)
    elif (published.head_sequence, published.head_digest) != (final.sequence, final.digest):
        findings.add(gettext_noop("the published head (position %(position)s, digest "
                                  "%(digest)s) is not the one the final checkpoint signed "
                                  "(position %(signed_position)s, digest %(signed_digest)s)"),
                     position=published.head_sequence, digest=published.head_digest,
                     signed_position=final.sequence, signed_digest=final.digest)


def _reviews_against_history(findings, programme):
    """Every vote's review status (what counting reads) against the last decision of its
    insert-only history (``VoteStatusChange``, the row with the latest ``at``, then the highest
    id, as the PostgreSQL trigger reads it, voting/migrations/0015): a vote without either is
    counted. A status changed, or a review deleted, without its history row shows here (on
    PostgreSQL a trigger refuses both, voting/migrations/0014)."""
    current = dict(VoteReview.objects.filter(vote__programme=programme).order_by()
                   .values_list("vote_id", "status"))
    recorded = dict(VoteStatusChange.objects.filter(vote__programme=programme)
                    .order_by("at", "pk").values_list("vote_id", "status"))  # the last one stays
    for vote_id in sorted(current.keys() | recorded.keys()):
        status = current.get(vote_id, ReviewStatus.COUNTED)
        last = recorded.get(vote_id, ReviewStatus.COUNTED)
        if status != last:
            findings.add(gettext_noop("vote #%(vote)s: its review says %(status)s, but the last "
                                      "decision in its review history says %(last)s"),
                         vote=vote_id, status=_status(status), last=_status(last))


def _status(value):
    """A review status as its choice (shown by its label), or as stored when it is none."""
    try:
        return ReviewStatus(value)
    except ValueError:
        return value


def counted_entries(programme):
    """The ledger entries whose votes count: after publication those up to the published
    head only, and never a vote a reviewer invalidated."""
    entries = LedgerEntry.objects.filter(programme=programme).exclude(
        vote__review__status=ReviewStatus.INVALIDATED)
    published = published_head(programme)
    if published is not None:
        entries = entries.filter(sequence__lte=published.head_sequence)
    return entries


def counted(programme):
    """{finalist id: counted votes} recomputed from the ledger."""
    return dict(counted_entries(programme).values("vote__finalist").annotate(n=Count("id"))
                .order_by().values_list("vote__finalist", "n"))


def unsealed_votes():
    """The votes not yet sealed into the ledger, oldest first.

    The vote table keeps only the indexes its writes need, so "votes without a ledger entry"
    (an anti-join over every vote) is not asked here. The seal takes every committed vote in
    order, so the votes after the newest sealed one (by id) are the ones waiting: the newest
    sealed vote comes from the ledger's unique index on ``vote_id`` (its last entry), the votes
    after it from the votes' primary key, in one statement. What this misses is a vote that
    committed after a seal had already taken a later one; the next seal takes it with the
    votes after it, and a worker that stopped sealing shows in the heartbeat anyway."""
    newest_sealed = LedgerEntry.objects.order_by("-vote_id").values("vote_id")[:1]
    return Vote.objects.filter(
        pk__gt=Coalesce(Subquery(newest_sealed), Value(0), output_field=BigIntegerField()),
    ).order_by("pk")


def oldest_unsealed_vote():
    """When the oldest vote not yet in the ledger was cast, or None (LIMIT 1)."""
    return unsealed_votes().values_list("cast_at", flat=True).first()
