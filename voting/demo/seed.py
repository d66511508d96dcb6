"""The vote part of ``seed_demo``: the 2019 public vote as the final grant report records it.

2,047 voters (one vote each, verified email, no usable password) vote between 14 October
10:00 and 31 October 2019 (Almaty); the ledger seals their votes; 5,133 visitors come to the
site up to 17 November, with the report's traffic-source shares and an average visit of
2:42; the voters answer the age question with the report's shares (the 2.9 % the shares leave
out did not answer). The head digest is published at the close, staff release the results
and declare the 15 winners through the services, and no vote is invalidated ("Неорганического
вмешательства не выявлено"). The split of the votes among the finalists is not in the
report: ``voting-2019.json`` marks it illustrative.

Everything is recorded as events (accounts, visits, votes), never as totals: the figures the
report claims come back out of ``statistics`` and ``results``. Deterministic apart from the
receipts and per-vote secrets, which are random by design.
"""

import json
import random
import secrets
from datetime import timedelta
from functools import cache
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from applications.demo.seed import demo_bins
from applications.models import Application
from ozgeris.demo.programme import ALMATY, almaty
from ozgeris.demo.programme import facts as programme_facts
from ozgeris.emails import canonical_email
from ozgeris.models import AuditEvent, Programme, User

from .. import ledger
from ..mailbox import mailbox_hash
from ..models import (
    AgeBracket,
    Checkpoint,
    LedgerEntry,
    TrafficSource,
    VisitDay,
    Visitor,
    Vote,
    VoteFlag,
    VoteReview,
    VoterLink,
    VoteStatusChange,
    VotingSettings,
)
from ..results import declare_winners, publish_head, release_results
from ..services import new_receipt, receipt_hash

DATA_FILE = Path(__file__).with_name("voting-2019.json")
YEAR = 2019
SECONDS_PER_MINUTE = 60
LETTERS = "abcdefghijklmnopqrstuvwxyz"
SEAL_PERIOD = timedelta(seconds=5)  # the beat's seal runs this often
WINDOW_TRIGGER = "voting_vote_in_window"  # voting/migrations/0009


@cache
def facts():
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))



def _split(total, weights):
    """``total`` shared in proportion to ``weights`` (largest remainder, exact sum)."""
    raw = [total * weight / sum(weights) for weight in weights]
    counts = [int(value) for value in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[:total - sum(counts)]:
        counts[i] += 1
    return counts


def _labels(total, shares, rest):
    """A shuffled-later list of ``total`` labels with the given percentage ``shares``; what
    the shares leave out gets ``rest``."""
    counts = [round(total * percent / 100) for _label, percent in shares]
    labels = [label for (label, _percent), count in zip(shares, counts, strict=True)
              for _ in range(count)]
    return labels + [rest] * (total - len(labels))


def _finalists(programme):
    bins = demo_bins()
    by_bin = {a.organisation.bin: a for a in Application.objects.finalists(programme)}
    winners = [by_bin[bins[key]] for key in facts()["winners"]["keys"]]
    others = [a for a in by_bin.values() if a not in winners]
    return winners, others


def _ballots(programme, rng, voters):
    """The finalist of each vote, in casting order: illustrative weights, exact total."""
    winners, others = _finalists(programme)
    finalists = winners + others
    weights = [rng.randint(120, 170) for _ in winners] + [rng.randint(40, 70) for _ in others]
    ballots = [finalist for finalist, count in zip(finalists, _split(voters, weights),
                                                   strict=True) for _ in range(count)]
    rng.shuffle(ballots)
    return ballots, winners


def _cast_times(programme, rng, count):
    opens, closes = programme.voting_opens_at, programme.voting_closes_at
    span = (closes - opens).total_seconds()
    return sorted(opens + timedelta(seconds=rng.uniform(0, span)) for _ in range(count))


def _durations(rng, count, average_seconds):
    """Visit lengths whose mean is exactly ``average_seconds`` (rounded to the second)."""
    durations = [min(int(rng.expovariate(1 / average_seconds)), 1800) for _ in range(count)]
    missing = average_seconds * count - sum(durations)
    step = 1 if missing > 0 else -1
    i = 0
    while missing:
        if durations[i % count] + step >= 0:
            durations[i % count] += step
            missing -= step
        i += 1
    return durations


def seed(*, log=print):
    data = facts()
    programme = Programme.objects.get(year=YEAR)
    if Vote.objects.filter(programme=programme).exists():
        log(f"vote {YEAR}: already there")
        return
    stats = data["statistics"]
    rng = random.Random(YEAR)
    with transaction.atomic():
        VotingSettings.objects.update_or_create(
            programme=programme, defaults={"statistics_until": stats["until"]})
        ballots, winners = _ballots(programme, rng, stats["voters"])
        times = _cast_times(programme, rng, stats["voters"])
        ages = _labels(stats["voters"], [(a["bracket"], a["percent"]) for a in stats["ages"]], "")
        rng.shuffle(ages)
        minutes, seconds = (int(part) for part in stats["average_time_on_site"].split(":"))
        durations = _durations(rng, stats["visitors"], minutes * SECONDS_PER_MINUTE + seconds)
        sources = _labels(stats["visitors"], [(s["source"], s["percent"])
                                              for s in stats["traffic_sources"]],
                          TrafficSource.OTHER)
        rng.shuffle(sources)
        visitor_ids = [f"{rng.getrandbits(128):032x}" for _ in range(stats["visitors"])]
        voters = _voters(rng, times, data["demo_voter_domain"])
        _visits(programme, rng, visitor_ids, sources, durations, times)
        _votes(programme, voters, ballots, times, ages, visitor_ids)
        log(f"vote {YEAR}: {len(voters)} voters, {len(visitor_ids)} visitors")
    ledger.seal(programme.pk, replay_delay=SEAL_PERIOD)
    staff = User.objects.get(email=programme_facts()["demo_accounts"]["staff"]["email"])
    release = data["release"]
    # Published by the beat right after the close, once the last votes' seal has run.
    publish_head(programme, at=programme.voting_closes_at + SEAL_PERIOD)
    release_results(programme=programme, by=staff, at=almaty(release["results_released_at"]))
    declare_winners(programme=programme, by=staff, winners=winners,
                    at=almaty(release["winners_declared_at"]))


def _voters(rng, times, domain):
    """One verified account per vote, created minutes before it (no usable password)."""
    unusable = make_password(None)
    users = []
    for number, cast_at in enumerate(times, start=1):
        # Distinct letters (no numbered series, which the fraud checks rightly flag), with the
        # casting order kept in front so the accounts come back in it.
        handle = "".join(rng.choice(LETTERS) for _ in range(8))
        email = f"{number:04d}{handle}@{domain}"
        users.append(User(email=email, canonical_email=canonical_email(email),
                          password=unusable, preferred_language=rng.choice(["ru", "ru", "kk"]),
                          date_joined=cast_at - timedelta(minutes=rng.randint(2, 60))))
    User.objects.bulk_create(users, batch_size=1000)
    users = list(User.objects.filter(email__endswith=f"@{domain}").order_by("email"))
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=user, email=user.email, verified=True, primary=True)
         for user in users], batch_size=1000)
    return users


def _visits(programme, rng, visitor_ids, sources, durations, times):
    """The first visitors are the voters (each visit holds its vote); the others come any
    day up to the end of the statistics period."""
    first = programme.voting_opens_at
    last = almaty(facts()["statistics"]["until"] + "T23:00:00")
    visitors, days = [], []
    for index, (visitor_id, source, duration) in enumerate(
            zip(visitor_ids, sources, durations, strict=True)):
        if index < len(times):
            started = times[index] - timedelta(seconds=duration // 2)
        else:
            started = first + timedelta(seconds=rng.uniform(0, (last - first).total_seconds()))
        visitors.append(Visitor(id=visitor_id, first_seen_at=started, source=source))
        days.append(VisitDay(visitor_id=visitor_id, day=timezone.localtime(started, ALMATY).date(),
                             first_at=started, last_at=started + timedelta(seconds=duration)))
    Visitor.objects.bulk_create(visitors, batch_size=2000)
    VisitDay.objects.bulk_create(days, batch_size=2000)


def _votes(programme, voters, ballots, times, ages, visitor_ids):
    """The 2019 votes with their links. Their receipts were "mailed" long ago, so, as for any
    sealed vote, only the hashes are kept; each link has its mailbox hash. On PostgreSQL the
    trigger that dates a vote by the database's clock and refuses one outside the window is
    switched off for this transaction (the demo replays a past vote as the tables' owner)."""
    receipts = [new_receipt() for _ in voters]
    replaying = connection.vendor == "postgresql"
    if replaying:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {Vote._meta.db_table} DISABLE TRIGGER {WINDOW_TRIGGER}")
    votes = Vote.objects.bulk_create(
        [Vote(programme=programme, finalist=finalist, receipt_hash=receipt_hash(receipt),
              secret=secrets.token_hex(32), cast_at=cast_at,
              age_bracket=age if age in AgeBracket.values else "")
         for finalist, receipt, cast_at, age in zip(ballots, receipts, times, ages, strict=True)],
        batch_size=1000)
    if replaying:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {Vote._meta.db_table} ENABLE TRIGGER {WINDOW_TRIGGER}")
    VoterLink.objects.bulk_create(
        [VoterLink(vote=vote, programme=programme, voter=voter,
                   mailbox=mailbox_hash(voter.email, programme.pk, 0), visitor_id=visitor_id)
         for vote, voter, visitor_id in zip(votes, voters, visitor_ids, strict=False)],
        batch_size=1000)


def reset(*, log=print):
    """Remove the demo vote: votes and ledger (on PostgreSQL the insert-only trigger is
    switched off for this one transaction), reviews, visits, the demo voters, the settings and
    the audit entries; the winners go back to finalists through the applications step's
    reset, which removes the applications themselves."""
    programme = Programme.objects.filter(year=YEAR).first()
    if programme is None:
        return
    domain = facts()["demo_voter_domain"]
    with transaction.atomic():
        tables = [Vote._meta.db_table, LedgerEntry._meta.db_table,
                  VoteStatusChange._meta.db_table, Checkpoint._meta.db_table]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # ALTER TABLE waits for no deferred foreign-key check of this transaction.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for table in tables:
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_insert_only")
        votes = Vote.objects.filter(programme=programme)
        for model in (VoteStatusChange, VoteFlag, VoteReview):
            model.objects.filter(vote__in=votes).delete()
        Checkpoint.objects.filter(programme=programme).delete()
        LedgerEntry.objects.filter(programme=programme).delete()
        VoterLink.objects.filter(programme=programme).delete()
        count = votes.count()
        votes.delete()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_insert_only")
        # The demo's visitors are those of the 2019 statistics period (the portal did not exist
        # then, so no real visitor is among them).
        Visitor.objects.filter(
            first_seen_at__gte=programme.voting_opens_at,
            first_seen_at__lt=almaty(facts()["statistics"]["until"]) + timedelta(days=1),
        ).delete()
        User.objects.filter(email__endswith=f"@{domain}").delete()
        VotingSettings.objects.filter(programme=programme).delete()
        AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(Programme),
                                  object_id=str(programme.pk),
                                  action__startswith="vote.").delete()
    log(f"vote {YEAR}: removed {count} votes")
