"""The public vote: votes, the link from a vote to its voter, and the tamper-evident ledger.

A vote never names its voter: ``VoterLink`` does, in a table of its own, so that deleting an
account anonymises the link while the vote stays in the tally and the ledger. One vote per
account and programme is a unique constraint on the link. Votes and ledger entries are
insert-only (a PostgreSQL trigger refuses UPDATE and DELETE).
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from ozgeris.models import Programme, Region


class AgeBracket(models.TextChoices):
    AGE_18_24 = "18-24", "18–24"
    AGE_25_34 = "25-34", "25–34"
    AGE_35_44 = "35-44", "35–44"
    AGE_45_54 = "45-54", "45–54"
    AGE_55 = "55+", "55+"


class VotingSettings(models.Model):
    """Per-programme settings and milestones of the vote: the ballot rule, the head digest
    published when the vote closes, and the release of the results. Once published, the head
    is fixed (a PostgreSQL trigger, voting/migrations/0014)."""

    programme = models.OneToOneField(Programme, on_delete=models.CASCADE,
                                     related_name="voting_settings", verbose_name=_("programme"))
    one_vote_per_nomination = models.BooleanField(
        _("one vote per nomination"), default=False,
        help_text=_("Otherwise each account has one vote in the whole programme."))
    head_sequence = models.PositiveIntegerField(_("head position in the ledger"), null=True,
                                                blank=True, editable=False)
    head_digest = models.CharField(_("head digest"), max_length=64, blank=True, editable=False)
    head_published_at = models.DateTimeField(_("head digest published at"), null=True, blank=True,
                                             editable=False)
    statistics_until = models.DateField(
        _("visitor statistics until"), null=True, blank=True,
        help_text=_("The last day counted in the visitor statistics; empty: the day the vote "
                    "closes."))
    results_released_at = models.DateTimeField(_("results released at"), null=True,
                                               blank=True, editable=False)
    # A withdrawn release stays on the public results page with its reason, even once the
    # results are released again: published totals changing must never go unexplained.
    release_withdrawn_at = models.DateTimeField(_("release withdrawn at"), null=True,
                                                blank=True, editable=False)
    release_withdrawal_reason = models.TextField(_("reason for withdrawing the release"),
                                                 blank=True, editable=False)
    # The voters' addresses and visitor ids are dropped once the fraud review has closed
    # (VOTE_ADDRESS_RETENTION_DAYS after the release); the one statistic that read them, the
    # visitors who voted, is kept as a figure first.
    addresses_dropped_at = models.DateTimeField(_("addresses deleted at"), null=True, blank=True,
                                                editable=False)
    visitors_who_voted = models.PositiveIntegerField(_("visitors who voted"), null=True,
                                                     blank=True, editable=False)

    class Meta:
        verbose_name = _("vote settings")
        verbose_name_plural = _("vote settings")

    def __str__(self):
        return str(self.programme)


class Vote(models.Model):
    # Every index is written by every vote, so a vote table has only those a query needs:
    # (programme, finalist) serves a programme's votes and its tally per finalist; nothing
    # looks votes up by region, by time, or by finalist across programmes (the fraud checks
    # and the statistics read a programme's votes).
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="votes",
                                  db_index=False, verbose_name=_("programme"))
    finalist = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="votes",
                                 db_index=False, verbose_name=_("finalist"))
    receipt_hash = models.CharField(_("receipt hash"), max_length=64)
    secret = models.CharField(_("per-vote secret"), max_length=64)
    cast_at = models.DateTimeField(_("cast at"), db_default=Now())
    age_bracket = models.CharField(_("age"), max_length=5, choices=AgeBracket.choices,
                                   blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True,
                               db_index=False, verbose_name=_("region"))

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        indexes = [models.Index(fields=["programme", "finalist"])]
        constraints = [
            # A constraint rather than unique=True, which on PostgreSQL adds a second index
            # for LIKE searches that nothing makes.
            models.UniqueConstraint(fields=["receipt_hash"], name="one_vote_per_receipt"),
        ]

    def __str__(self):
        return f"#{self.pk}"


class VoterLink(models.Model):
    """Who cast a vote: the one-per-account rule lives here. ``scope`` is 0 for one vote per
    programme, or the nomination's id when the programme allows one vote per nomination."""

    vote = models.OneToOneField(Vote, on_delete=models.PROTECT, related_name="link",
                                verbose_name=_("vote"))
    # No index of their own (each would be written by every vote): links are found by their
    # voter (the unique constraint below starts with it), through their vote, or all of a
    # programme's at once (the statistics), which a scan serves.
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+",
                                  db_index=False, verbose_name=_("programme"))
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="vote_links", db_index=False, verbose_name=_("voter"))
    scope = models.PositiveBigIntegerField(_("vote scope"), default=0)
    # A keyed hash of the voter's verified canonical email for this programme and scope
    # (voting.mailbox): unique, so one mailbox votes once even after its account is deleted
    # and made again; without the server's key it names no one.
    mailbox = models.CharField(_("mailbox"), max_length=64, null=True, blank=True)
    # The receipt in clear only until the seal queues its email (seconds); afterwards the vote
    # keeps only its hash.
    receipt_code = models.CharField(_("receipt code"), max_length=40, blank=True)
    # For the fraud checks (many votes from one address) and the visitors → voters
    # conversion; both are forgotten with the voter when the account is deleted.
    client_ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    visitor_id = models.CharField(_("visitor ID"), max_length=32, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["voter", "programme", "scope"],
                                    name="one_vote_per_account"),
            models.UniqueConstraint(fields=["mailbox"], name="one_vote_per_mailbox"),
        ]

    def __str__(self):
        return f"{self.voter_id} → {self.vote_id}"


class LedgerEntry(models.Model):
    """The chain: entry n's leaf hashes entry n−1's leaf with its vote (see ledger.py)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("programme"))
    sequence = models.PositiveIntegerField(_("position in the ledger"))
    vote = models.OneToOneField(Vote, on_delete=models.PROTECT, related_name="ledger_entry",
                                verbose_name=_("vote"))
    leaf = models.CharField(_("entry hash"), max_length=64)
    sealed_at = models.DateTimeField(_("sealed at"), db_default=Now())

    class Meta:
        ordering = ["programme", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "sequence"], name="one_leaf_per_position"),
        ]

    def __str__(self):
        return f"{self.sequence}: {self.leaf[:12]}…"


class ReviewStatus(models.TextChoices):
    COUNTED = "counted", _("counted")
    UNDER_REVIEW = "under_review", _("under review")
    INVALIDATED = "invalidated", _("invalidated")


class VoteReviewQuerySet(models.QuerySet):
    def invalidated(self):
        return self.filter(status=ReviewStatus.INVALIDATED)


class VoteReview(models.Model):
    """The current review state of a flagged vote (a vote never flagged is counted). The vote
    row itself never changes; every change of this state is kept in ``VoteStatusChange``, and
    the status is always the last decision there (written first; a PostgreSQL trigger refuses
    a status without it, voting/migrations/0014)."""

    vote = models.OneToOneField(Vote, on_delete=models.PROTECT, related_name="review",
                                verbose_name=_("vote"))
    status = models.CharField(_("status"), max_length=12, choices=ReviewStatus.choices,
                              default=ReviewStatus.UNDER_REVIEW, db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    changed_at = models.DateTimeField(_("changed at"), db_default=Now())

    objects = VoteReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("flagged vote")
        verbose_name_plural = _("fraud review queue")
        ordering = ["-changed_at"]

    def __str__(self):
        return f"{self.vote} — {self.get_status_display()}"


class VoteStatusChange(models.Model):
    """History of the review: who moved a vote to which status, when and why."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="status_changes",
                             verbose_name=_("vote"))
    status = models.CharField(_("status"), max_length=12, choices=ReviewStatus.choices)
    previous = models.CharField(_("previous status"), max_length=12, choices=ReviewStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    # PROTECT, not SET_NULL: the history is insert-only (a trigger refuses the UPDATE that
    # SET_NULL would make), and it keeps who decided. Deleting an account anonymises it.
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                           blank=True, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("changed at"), db_default=Now())

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.vote}: {self.previous} → {self.status}"


class FlagRule(models.TextChoices):
    SAME_ADDRESS = "same_address", _("many votes from one address")
    SAME_SUBNET = "same_subnet", _("many votes from one subnet")
    FINALIST_BURST = "finalist_burst", _("a burst of votes for one finalist")
    FRESH_ACCOUNT = "fresh_account", _("account created during the vote, voted at once")
    SIMILAR_EMAILS = "similar_emails", _("near-identical email addresses")


class VoteFlag(models.Model):
    """Why the periodic check put a vote under review (one row per vote and rule)."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="flags",
                             verbose_name=_("vote"))
    rule = models.CharField(_("rule"), max_length=20, choices=FlagRule.choices)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    flagged_at = models.DateTimeField(_("flagged at"), db_default=Now())

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vote", "rule"], name="one_flag_per_rule")]

    def __str__(self):
        return f"{self.vote}: {self.get_rule_display()}"


class TrafficSource(models.TextChoices):
    DIRECT = "direct", _("direct visits")
    SOCIAL = "social", _("social networks")
    SEARCH = "search", _("search engines")
    OTHER = "other", _("other sites")


class Visitor(models.Model):
    """A browser that came back with our first-party cookie: a random id, no personal data.
    The traffic source is that of its first visit (the referrer's class or the UTM tags)."""

    id = models.CharField(_("ID"), primary_key=True, max_length=32)
    first_seen_at = models.DateTimeField(_("first seen at"), db_index=True)
    source = models.CharField(_("source"), max_length=10, choices=TrafficSource.choices)

    def __str__(self):
        return self.id


class VisitDay(models.Model):
    """One visitor's presence on one day (Almaty): the first and the last page view, which
    give the daily uniques and the time spent on the site."""

    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="days",
                                verbose_name=_("visitor"))
    day = models.DateField(_("day"), db_index=True)
    first_at = models.DateTimeField(_("first visit of the day"))
    last_at = models.DateTimeField(_("last visit of the day"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visitor", "day"],
                                               name="one_row_per_visitor_and_day")]

    def __str__(self):
        return f"{self.visitor_id} {self.day}"


class Checkpoint(models.Model):
    """A signed statement of the ledger's head at one moment (voting/checkpoints.py): its
    position and digest, the time and whether it is the one at the close, signed with the
    portal's Ed25519 key, whose private half is never in the database. The statements are
    mailed to the jurors and staff and published, so that copies kept outside the database
    catch a chain rewritten or cut afterwards. Insert-only on PostgreSQL."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT,
                                  related_name="checkpoints", verbose_name=_("programme"))
    # the head's position; 0 for an empty ledger
    sequence = models.PositiveIntegerField(_("position in the ledger"))
    # the head's leaf; 64 zeros for an empty ledger
    digest = models.CharField(_("head digest"), max_length=64)
    signed_at = models.DateTimeField(_("signed at"))  # whole seconds, as in the signed statement
    final = models.BooleanField(_("final checkpoint"), default=False)
    # SHA-256 of the raw public key, first 16 hex
    key_id = models.CharField(_("key id"), max_length=16)
    signature = models.CharField(_("signature"), max_length=128)  # Ed25519, hex

    class Meta:
        ordering = ["programme", "signed_at", "pk"]
        indexes = [models.Index(fields=["programme", "sequence"])]
        constraints = [
            models.UniqueConstraint(fields=["programme"], condition=models.Q(final=True),
                                    name="one_final_checkpoint"),
        ]

    def __str__(self):
        return f"{self.programme_id} @{self.sequence}: {self.digest[:12]}…"
