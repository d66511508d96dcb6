"""Fraud review: flag suspicious votes, never delete them.

A periodic task (``flag_suspicious_votes``) runs the rules below over a programme's votes and
puts each newly flagged vote under review. Staff then decide, with a reason, whether it is
counted or invalidated; every change is kept in ``VoteStatusChange`` and can be undone. An
invalidated vote stays in the ledger (the chain never changes) and leaves the tally. A
review's status is always its history's last decision: the history row is written first, a
PostgreSQL trigger refuses a status without it, and ``ledger.verify`` names any mismatch.

The rules and their thresholds (settings, documented in ``ozgeris/settings.py``):

* many votes from one client address, or one subnet (/24 for IPv4, /48 for IPv6), within a
  sliding window;
* a burst of votes for one finalist in a window, against that finalist's own average rate
  since the vote opened;
* accounts created after the vote opened that voted within seconds of verifying their email;
* several accounts, created during the vote, whose email local parts differ only by digits
  and punctuation at the same domain (ivan1@, ivan.2@, ivan_3@).
"""

import ipaddress
import re
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ozgeris import audit

from .models import (
    FlagRule,
    ReviewStatus,
    Vote,
    VoteFlag,
    VoteReview,
    VoteStatusChange,
    VotingSettings,
)
from .results import forget_tally, results_released
from .services import VotingError, settings_for


def _subnet(address):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def _crowded(votes, key, limit, window):
    """Votes whose ``key`` occurs more than ``limit`` times within any ``window``."""
    groups = defaultdict(list)
    for vote in votes:
        value = key(vote)
        if value:
            groups[value].append(vote)
    flagged = {}
    for value, group in groups.items():
        group.sort(key=lambda vote: vote["cast_at"])
        start = 0
        for end, vote in enumerate(group):
            while vote["cast_at"] - group[start]["cast_at"] > window:
                start += 1
            if end - start + 1 > limit:
                for earlier in group[start:end + 1]:
                    flagged[earlier["id"]] = value
    return flagged


def _bursts(votes, opened_at, now):
    """Votes for a finalist inside a window that holds far more than its average window."""
    window = timedelta(seconds=settings.VOTE_FLAG_BURST_WINDOW)
    periods = max((now - opened_at) / window, 1)
    by_finalist = defaultdict(list)
    for vote in votes:
        by_finalist[vote["finalist_id"]].append(vote)
    flagged = {}
    for finalist_id, group in by_finalist.items():
        baseline = len(group) / periods
        limit = max(settings.VOTE_FLAG_BURST_MIN, settings.VOTE_FLAG_BURST_FACTOR * baseline)
        for vote_id in _crowded(group, lambda vote: "finalist", int(limit), window):
            flagged[vote_id] = _("finalist #%(id)s") % {"id": finalist_id}
    return flagged


STEM = re.compile(r"[\d._+\-]+")


def _email_stem(vote):
    email = vote["link__voter__email"] or ""
    local, _at, domain = email.lower().partition("@")
    stem = STEM.sub("", local)
    return f"{stem}@{domain}" if stem and domain else None


def find_suspicious(programme, *, now=None):
    """{(vote id, rule): detail} for every vote a rule catches (flagged or not yet)."""
    now = now or timezone.now()
    opened_at = programme.voting_opens_at
    votes = list(Vote.objects.filter(programme=programme).values(
        "id", "cast_at", "finalist_id", "link__client_ip", "link__voter__email",
        "link__voter__date_joined", "link__voter__email_verified_at"))
    found = {}
    address_window = timedelta(seconds=settings.VOTE_FLAG_ADDRESS_WINDOW)
    for vote_id, value in _crowded(votes, lambda vote: vote["link__client_ip"],
                                   settings.VOTE_FLAG_ADDRESS_MAX, address_window).items():
        found[(vote_id, FlagRule.SAME_ADDRESS)] = value
    for vote_id, value in _crowded(votes, lambda vote: _subnet(vote["link__client_ip"] or ""),
                                   settings.VOTE_FLAG_SUBNET_MAX, address_window).items():
        found[(vote_id, FlagRule.SAME_SUBNET)] = value
    for vote_id, value in _bursts(votes, opened_at, now).items():
        found[(vote_id, FlagRule.FINALIST_BURST)] = value
    fresh = [vote for vote in votes if vote["link__voter__date_joined"]
             and vote["link__voter__date_joined"] >= opened_at]
    quick = timedelta(seconds=settings.VOTE_FLAG_FRESH_ACCOUNT_SECONDS)
    for vote in fresh:
        verified = vote["link__voter__email_verified_at"] or vote["link__voter__date_joined"]
        if timedelta(0) <= vote["cast_at"] - verified <= quick:
            seconds = int((vote["cast_at"] - verified).total_seconds())
            found[(vote["id"], FlagRule.FRESH_ACCOUNT)] = _("voted %(seconds)s s after "
                                                            "verifying") % {"seconds": seconds}
    stems = defaultdict(list)
    for vote in fresh:
        stem = _email_stem(vote)
        if stem:
            stems[stem].append(vote["id"])
    for stem, ids in stems.items():
        if len(ids) >= settings.VOTE_FLAG_SIMILAR_EMAILS:
            for vote_id in ids:
                found[(vote_id, FlagRule.SIMILAR_EMAILS)] = _("%(count)s accounts like "
                                                              "%(stem)s") % {"count": len(ids),
                                                                             "stem": stem}
    return found


def flag_suspicious(programme, *, now=None):
    """Record the flags the rules raise and put each newly flagged vote under review (a vote
    staff already reviewed keeps their decision). Returns how many votes went under review.
    Side effects: flags, reviews, status changes, an audit entry when anything was flagged."""
    found = find_suspicious(programme, now=now)
    if not found:
        return 0
    settings_for(programme)  # the row exists before it is locked
    with transaction.atomic():
        # The lock staff decisions take (set_review_status): a vote they decide on meanwhile
        # is seen as reviewed here, and never gets a flag's history row after their decision.
        VotingSettings.objects.select_for_update(no_key=True).get(programme=programme)
        VoteFlag.objects.bulk_create(
            [VoteFlag(vote_id=vote_id, rule=rule, detail=str(detail)[:200])
             for (vote_id, rule), detail in found.items()], ignore_conflicts=True)
        flagged = {vote_id for vote_id, _rule in found}
        reviewed = set(VoteReview.objects.filter(vote_id__in=flagged)
                       .values_list("vote_id", flat=True))
        new = sorted(flagged - reviewed)
        # The history first: on PostgreSQL a review's status must be its history's last
        # decision (voting/migrations/0014).
        VoteStatusChange.objects.bulk_create(
            [VoteStatusChange(vote_id=vote_id, previous=ReviewStatus.COUNTED,
                              status=ReviewStatus.UNDER_REVIEW,
                              reason=_("Flagged by the automatic checks")) for vote_id in new])
        VoteReview.objects.bulk_create(
            [VoteReview(vote_id=vote_id, reason=_("Flagged by the automatic checks"))
             for vote_id in new])
        if new:
            audit.record(None, "vote.flagged", programme, votes=len(new))
    return len(new)


def set_review_status(*, vote, status, by, reason):
    """Staff decide on a flagged (or any) vote: counted, under review or invalidated, with a
    reason. Reversible: the previous status is kept in the history. Side effects: the review,
    a status change, an audit entry ``vote.review``; the cached tally is dropped."""
    if status not in ReviewStatus.values:
        raise VotingError(_("Unknown review status."))
    if not (reason or "").strip():
        raise VotingError(_("Give the reason for the decision."))
    released = _("The results are released: withdraw the release, with its reason, before "
                 "changing a vote's review.")
    if results_released(vote.programme_id):
        # Released means frozen: a published total changes only after staff withdraw the
        # release, with a reason the public results page shows.
        raise VotingError(released)
    settings_for(vote.programme)  # the row exists before it is locked
    with transaction.atomic():
        # The check above is only the quick answer: a release committed since would let this
        # decision change released totals. Lock the vote settings' row that release_results
        # and withdraw_release lock (a guard only, so FOR NO KEY UPDATE) and ask again: a
        # release either waits for this decision or is seen here.
        guard = VotingSettings.objects.select_for_update(no_key=True).get(
            programme_id=vote.programme_id)
        if guard.results_released_at:
            raise VotingError(released)
        review, _created = VoteReview.objects.select_for_update().get_or_create(
            vote=vote, defaults={"status": ReviewStatus.COUNTED})
        previous = review.status
        if previous == status:
            raise VotingError(_("The vote already has this status."))
        # The history row first, then the status it records: on PostgreSQL a review's status
        # must be its history's last decision (voting/migrations/0014).
        VoteStatusChange.objects.create(vote=vote, previous=previous, status=status,
                                        reason=reason, by=by)
        review.status = status
        review.reason = reason
        review.changed_at = timezone.now()
        review.save(update_fields=["status", "reason", "changed_at"])
        audit.record(by, "vote.review", vote, previous=previous, status=status, reason=reason)
    transaction.on_commit(lambda: forget_tally(vote.programme_id))
    return review
