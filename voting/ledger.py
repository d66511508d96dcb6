"""The tamper-evident ledger of the vote.

Each committed vote gets a position and a leaf:

    leaf_n = SHA-256(leaf_{n-1} ‖ SHA-256(receipt) ‖ finalist id ‖ cast time ‖ secret)

with leaf_0 = 64 zeros. The per-vote secret stays on the server (it goes only into the
auditor's export), so a receipt holder cannot test a public leaf against the finalists to
prove how someone voted. Sealing is done by a single writer after commit (a task, inline in
the embedded default), so casting a vote never waits on the chain.
"""

import hashlib

from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, Subquery, Value
from django.db.models.functions import Coalesce

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


def verify(programme):
    """Recompute the chain and the tally from the stored votes. Returns (problems, head leaf,
    tally {finalist id: counted votes}); problems is empty when everything matches, and each
    names the position or the vote it is about.

    Besides the chain itself, once the head is published: the published digest is the chain's
    leaf at its position, no entry may follow it, none may have been sealed after the
    publication, every vote must be in the chain up to it, and the published head must be
    the one the final checkpoint signed (``_against_final_checkpoint``). At any time: every
    vote was cast inside the vote's window and has its voter's link (a row inserted past the
    portal has neither), and every vote's review status is the last decision of its
    insert-only history (``_reviews_against_history``)."""
    problems = []
    previous = GENESIS
    expected_sequence = 0
    published = published_head(programme)
    opens, closes = programme.voting_opens_at, programme.voting_closes_at
    entries = (LedgerEntry.objects.filter(programme=programme).select_related("vote")
               .order_by("sequence"))
    for entry in entries.iterator(chunk_size=2000):
        expected_sequence += 1
        if entry.sequence != expected_sequence:
            problems.append(f"position {expected_sequence} is missing")
            expected_sequence = entry.sequence
        previous = leaf(previous, entry.vote)
        if previous != entry.leaf:
            problems.append(f"position {entry.sequence}: the leaf does not match its vote")
            previous = entry.leaf  # go on checking the rest of the chain
        if not opens <= entry.vote.cast_at < closes:
            problems.append(f"position {entry.sequence}: the vote was cast outside the vote's "
                            f"window ({entry.vote.cast_at.isoformat()})")
        if published and entry.sequence > published.head_sequence:
            problems.append(f"position {entry.sequence}: an entry after the published head "
                            f"(position {published.head_sequence})")
        elif published and entry.sealed_at > published.head_published_at:
            problems.append(f"position {entry.sequence}: sealed after the head was published")
    if published:
        at_close = (LedgerEntry.objects.filter(programme=programme,
                                               sequence=published.head_sequence)
                    .values_list("leaf", flat=True).first() or GENESIS)
        if at_close != published.head_digest:
            problems.append("the head digest published at the close does not match the chain "
                            f"at position {published.head_sequence}")
    problems += _against_final_checkpoint(programme, published)
    problems += _reviews_against_history(programme)
    unsealed = Vote.objects.filter(programme=programme, ledger_entry__isnull=True)
    for vote_id in unsealed.values_list("pk", flat=True)[:MAX_NAMED]:
        problems.append(f"vote #{vote_id} is not in the ledger"
                        + (" although the head is published" if published else " yet"))
    unsealed_count = unsealed.count()
    if unsealed_count > MAX_NAMED:
        problems.append(f"… {unsealed_count - MAX_NAMED} more vote(s) not in the ledger")
    unlinked = Vote.objects.filter(programme=programme, link__isnull=True)
    for vote_id, position in unlinked.values_list("pk", "ledger_entry__sequence")[:MAX_NAMED]:
        where = f"position {position}" if position else f"vote #{vote_id}"
        problems.append(f"{where}: the vote has no voter's link (not cast through the portal)")
    unlinked_count = unlinked.count()
    if unlinked_count > MAX_NAMED:
        problems.append(f"… {unlinked_count - MAX_NAMED} more vote(s) without a link")
    return problems, previous, counted(programme)


# A forged batch is named vote by vote up to this many, then counted.
MAX_NAMED = 20


def _against_final_checkpoint(programme, published):
    """The published head against the final checkpoint, signed over it at the close and
    mailed (checkpoints.py). The settings' head columns are a row anyone who can write the
    database could clear, move and publish again over a longer chain, which then verifies
    on its own; the final checkpoint is insert-only and signed with a key the database never
    holds, so the head must still be the one it signed. Whether that checkpoint's signature
    holds is checked with the other checkpoints (``checkpoints.verify_against``)."""
    final = Checkpoint.objects.filter(programme=programme, final=True).first()
    if final is None:
        return []
    signed = f"position {final.sequence}, digest {final.digest}"
    if published is None:
        return [f"the final checkpoint signed the published head ({signed}), but no head is "
                "published now"]
    if (published.head_sequence, published.head_digest) != (final.sequence, final.digest):
        return [f"the published head (position {published.head_sequence}, digest "
                f"{published.head_digest}) is not the one the final checkpoint signed "
                f"({signed})"]
    return []


def _reviews_against_history(programme):
    """Every vote's review status (what counting reads) against the last decision of its
    insert-only history (``VoteStatusChange``, the row inserted last): a vote without either
    is counted. A status changed, or a review deleted, without its history row shows here
    (on PostgreSQL a trigger refuses both, voting/migrations/0014)."""
    current = dict(VoteReview.objects.filter(vote__programme=programme).order_by()
                   .values_list("vote_id", "status"))
    recorded = dict(VoteStatusChange.objects.filter(vote__programme=programme)
                    .order_by("pk").values_list("vote_id", "status"))  # the last one stays
    mismatched = []
    for vote_id in sorted(current.keys() | recorded.keys()):
        status = current.get(vote_id, ReviewStatus.COUNTED)
        last = recorded.get(vote_id, ReviewStatus.COUNTED)
        if status != last:
            mismatched.append((vote_id, status, last))
    problems = [f"vote #{vote_id}: its review says {status}, but the last decision in its "
                f"review history says {last}" for vote_id, status, last in mismatched[:MAX_NAMED]]
    if len(mismatched) > MAX_NAMED:
        problems.append(f"… {len(mismatched) - MAX_NAMED} more vote(s) whose review does not "
                        "match its history")
    return problems


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
