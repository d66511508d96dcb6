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


class Vote(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="votes")
    finalist = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="votes")
    receipt_hash = models.CharField(max_length=64, unique=True)
    secret = models.CharField(max_length=64)
    cast_at = models.DateTimeField(db_default=Now(), db_index=True)
    age_bracket = models.CharField(_("age"), max_length=5, choices=AgeBracket.choices,
                                   blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        indexes = [models.Index(fields=["programme", "finalist"])]

    def __str__(self):
        return f"#{self.pk}"


class VoterLink(models.Model):
    """Who cast a vote: the one-per-account rule lives here. ``scope`` is 0 for one vote per
    programme, or the nomination's id when the programme allows one vote per nomination."""

    vote = models.OneToOneField(Vote, on_delete=models.PROTECT, related_name="link")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="vote_links")
    scope = models.PositiveBigIntegerField(default=0)
    receipt_code = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["voter", "programme", "scope"],
                                    name="one_vote_per_account"),
        ]

    def __str__(self):
        return f"{self.voter_id} → {self.vote_id}"


class LedgerEntry(models.Model):
    """The chain: entry n's leaf hashes entry n−1's leaf with its vote (see ledger.py)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveIntegerField()
    vote = models.OneToOneField(Vote, on_delete=models.PROTECT, related_name="ledger_entry")
    leaf = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["programme", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "sequence"], name="one_leaf_per_position"),
        ]

    def __str__(self):
        return f"{self.sequence}: {self.leaf[:12]}…"
