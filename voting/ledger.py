"""The tamper-evident ledger of the vote.

Each committed vote gets a position and a leaf:

    leaf_n = SHA-256(leaf_{n-1} ‖ SHA-256(receipt) ‖ finalist id ‖ cast time ‖ secret)

with leaf_0 = 64 zeros. The per-vote secret stays on the server (it goes only into the
auditor's export), so a receipt holder cannot test a public leaf against the finalists to
prove how someone voted. Sealing is done by a single writer after commit (a task, inline in
the embedded default), so casting a vote never waits on the chain.
"""

import hashlib
from collections import Counter

from django.db import connection, transaction

from ozgeris.models import Programme

from .models import LedgerEntry, ReviewStatus, Vote

GENESIS = "0" * 64


def leaf(previous, vote):
    material = "|".join([previous, vote.receipt_hash, str(vote.finalist_id),
                         vote.cast_at.isoformat(), vote.secret])
    return hashlib.sha256(material.encode()).hexdigest()


def seal(programme_id, *, replay_delay=None):
    """Append a ledger entry for every committed vote not yet sealed, in order of casting.
    Returns the new entries. The programme row's lock makes this the only writer; it is a
    "no key update" lock, which votes' foreign-key checks on that row do not wait for.
    ``replay_delay`` (the demo replaying 2019) dates each entry that long after its vote
    instead of now."""
    with transaction.atomic():
        programmes = Programme.objects.filter(pk=programme_id)
        if connection.features.has_select_for_update:
            programmes = programmes.select_for_update(no_key=True)
        programme = programmes.get()
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


def head(programme):
    return LedgerEntry.objects.filter(programme=programme).order_by("-sequence").first()


def verify(programme):
    """Recompute the chain and the tally from the stored votes. Returns (problems, head leaf,
    tally {finalist id: counted votes}, invalidated votes excluded); problems is empty when
    everything matches."""
    problems = []
    previous = GENESIS
    expected_sequence = 0
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
    unsealed = Vote.objects.filter(programme=programme, ledger_entry__isnull=True).count()
    if unsealed:
        problems.append(f"{unsealed} vote(s) not sealed yet")
    tally = Counter(LedgerEntry.objects.filter(programme=programme).exclude(
        vote__review__status=ReviewStatus.INVALIDATED).values_list("vote__finalist_id",
                                                                   flat=True))
    return problems, previous, dict(tally)
