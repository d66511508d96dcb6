"""Casting a vote: one short transaction, no hot counter row, the rule in the database.

``cast_vote`` records the vote and the voter's link in one transaction (one statement on
PostgreSQL, voting/statement.py); the unique constraint on the link makes a second attempt,
however fast or concurrent, come back as "already voted" with the receipt of the first. The
ledger is sealed after the commit by a single writer, which also queues the receipt emails.
"""

import hashlib
import ipaddress
import logging
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.db.models.functions import Now
from django.utils import translation
from django.utils.translation import gettext as _

from applications.models import Application
from ozgeris import memo, outbox
from ozgeris.cache import claim_in_process
from ozgeris.links import portal_link
from ozgeris.models import Programme

from . import checkpoints, ledger, statement
from .mailbox import earlier_mailbox_hashes, mailbox_hash
from .models import LedgerEntry, Vote, VoteReview, VoterLink, VotingSettings

logger = logging.getLogger(__name__)
BALLOT_CACHE_SECONDS = 5
# No 0/O, 1/I: read aloud safely. 32 letters, so a random byte modulo 32 picks each equally.
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class VotingError(Exception):
    """A refusal with a message for the voter (already translated)."""


@dataclass
class Ballot:
    receipt: str  # empty for a vote cast before whose receipt is no longer kept in clear
    already_voted: bool


def receipt_hash(code):
    return hashlib.sha256(normalise_receipt(code).encode()).hexdigest()


def normalise_receipt(code):
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def new_receipt():
    """16 characters of the 32-letter alphabet (80 random bits), in groups of four."""
    code = "".join(RECEIPT_ALPHABET[byte % 32] for byte in secrets.token_bytes(16))
    return "-".join(code[i:i + 4] for i in range(0, 16, 4))


def settings_for(programme):
    """The programme's vote settings (made with the defaults the first time they are asked)."""
    found = getattr(programme, "_voting_settings", None)
    if found is None:
        found, _created = VotingSettings.objects.get_or_create(programme=programme)
        programme._voting_settings = found
    return found


def voting_closed(programme):
    return Programme.objects.filter(pk=programme.pk, voting_closes_at__lte=Now()).exists()


def ballot_facts(programme_id):
    """What every vote of a programme checks and what rarely changes, kept for a few seconds
    in the process's memory so that a vote does not read it again: its finalists ({id: the
    finalist as a vote needs it, with only its id, programme and nomination}; shared, never
    changed) and whether one vote covers a nomination rather than the whole programme."""
    def read():
        return {
            "finalists": {pk: Application(pk=pk, programme_id=programme_id,
                                          nomination_id=nomination_id)
                          for pk, nomination_id in Application.objects.finalists(
                              programme_id).values_list("pk", "nomination_id")},
            "per_nomination": bool(VotingSettings.objects.filter(
                programme_id=programme_id).values_list("one_vote_per_nomination",
                                                       flat=True).first()),
        }

    return memo.remember(f"voting:ballot:{programme_id}", BALLOT_CACHE_SECONDS, read)


def head_published(programme_field="pk"):
    """Whether the programme (``programme_field`` of the outer query) has its head digest
    published: its ledger is closed, so a vote stored then would never be sealed or counted."""
    return Exists(VotingSettings.objects.filter(programme=OuterRef(programme_field),
                                                head_published_at__isnull=False))


def _ballot_checks(voter, programme_id):
    """The programme's row with the three checks every vote makes: ``verified`` (the voter's
    login email is verified, the rule of ozgeris.permissions.can_vote), ``is_open`` (the
    vote is open by the database's clock) and ``closed_ledger`` (its head digest is
    published: a window opened again afterwards takes no vote, it could never count)."""
    return (Programme.objects.filter(pk=programme_id)
            .annotate(is_open=ExpressionWrapper(
                Q(voting_opens_at__lte=Now(), voting_closes_at__gt=Now()),
                output_field=BooleanField()),
                verified=Exists(voter.verified_login_email()),
                closed_ledger=head_published()))


def allowed_to_vote(voter, programme_id):
    """The programme's id if the checks pass, else nothing (the vote's own statement)."""
    return (_ballot_checks(voter, programme_id)
            .filter(verified=True, is_open=True, closed_ledger=False)
            .order_by().values("pk"))


def ballot_scope(finalist):
    """What one vote covers: the whole programme (0), or the finalist's nomination when the
    programme allows one vote per nomination."""
    return finalist.nomination_id if ballot_facts(finalist.programme_id)["per_nomination"] else 0


def cast_vote(*, voter, finalist, age_bracket="", region=None, client_ip=None, visitor_id=""):
    """Record ``voter``'s vote for ``finalist`` (an application; its id, programme id and
    nomination id are all a vote reads). Returns a Ballot with the receipt code; a voter who
    already voted (in this scope) gets their first receipt back. Side effects: the vote and
    its link, in one transaction; the ledger is sealed after the commit."""
    programme_id = finalist.programme_id
    if not getattr(voter, "is_authenticated", False):
        raise VotingError(_("Only a signed-in person with a verified email address can vote."))
    facts = ballot_facts(programme_id)
    if finalist.pk not in facts["finalists"]:
        raise VotingError(_("This project is not a finalist of the vote."))
    scope = finalist.nomination_id if facts["per_nomination"] else 0
    code = new_receipt()
    # Column values rather than model instances: on PostgreSQL they go straight into the
    # statement, and building two instances was a fair part of a vote's own time.
    vote = {"programme_id": programme_id, "finalist_id": finalist.pk,
            "receipt_hash": receipt_hash(code), "secret": secrets.token_hex(32),
            "age_bracket": age_bracket or "", "region_id": region.pk if region else None}
    link = {"programme_id": programme_id, "voter_id": voter.pk, "scope": scope,
            "mailbox": mailbox_hash(voter.email, programme_id, scope),
            "receipt_code": code, "client_ip": _valid_address(client_ip),
            "visitor_id": visitor_id or ""}
    # A vote cast under the mailbox rules before migration ozgeris 0013 is linked to another
    # hash of the same mailbox: looked for only when that spelling folds differently now.
    earlier = earlier_mailbox_hashes(voter.email, programme_id, scope)
    if earlier and VoterLink.objects.filter(mailbox__in=earlier).exists():
        existing = existing_receipt(voter, programme_id, scope)
        if existing is not None:  # this account's own vote: its receipt again
            return Ballot(existing, True)
        raise VotingError(_("A vote from this email address has already been counted in "
                            "this vote."))
    # No look-up first: the unique link refuses a second vote (by account or by mailbox), and
    # only then is the first one looked for (the common case, a first vote, costs nothing).
    try:
        stored = _store(voter, vote, link)
    except IntegrityError:
        existing = existing_receipt(voter, programme_id, scope)
        if existing is not None:
            return Ballot(existing, True)
        if VoterLink.objects.filter(mailbox=link["mailbox"]).exists():
            raise VotingError(_("A vote from this email address has already been counted in "
                                "this vote.")) from None
        raise
    if not stored:
        raise VotingError(_refusal(voter, programme_id))
    transaction.on_commit(lambda: _request_seal(programme_id))
    return Ballot(code, False)


def _store(voter, vote, link):
    """Store the vote and its link (their column values) if the checks pass; True when
    stored."""
    if connection.vendor == "postgresql":
        return statement.record(allowed_to_vote, voter, vote, link)
    if not allowed_to_vote(voter, vote["programme_id"]).exists():
        return False
    with transaction.atomic():
        VoterLink.objects.create(vote=Vote.objects.create(**vote), **link)
    return True


def _refusal(voter, programme_id):
    """Why a vote was refused (read only then: a vote that passes asks nothing more)."""
    verified, is_open, closed_ledger = _ballot_checks(voter, programme_id).values_list(
        "verified", "is_open", "closed_ledger").get()
    if not verified:
        return _("Only a signed-in person with a verified email address can vote.")
    if closed_ledger:
        return _("The public vote is over: its ledger is closed and no more votes are "
                 "accepted.")
    if not is_open:
        return _("The public vote is not open.")
    return _("The vote could not be recorded. Please try again.")  # the window's edge, passed


def _valid_address(address):
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def seal_and_email_receipts(programme_id):
    """Seal the newly committed votes into the ledger and queue each voter's receipt email,
    in one transaction: by the time the email comes, its link shows the vote's position.
    Returns how many votes were sealed."""
    with transaction.atomic():
        entries = ledger.seal(programme_id)
        _email_receipts(programme_id, entries)
    return len(entries)


def _email_receipts(programme_id, entries):
    """The receipt by email (never the choice: a receipt must not prove to anyone whom the
    vote was for), rendered when it is sent. A link whose account was deleted has no one to
    write to."""
    if not entries:
        return
    # The batch's positions rather than a list of its votes: a seal after an outage may take
    # thousands, more than a query's parameters allow on SQLite.
    links = VoterLink.objects.filter(
        programme_id=programme_id, voter__isnull=False,
        vote__ledger_entry__sequence__range=(entries[0].sequence, entries[-1].sequence),
    ).values_list("receipt_code", "voter__email", "voter__preferred_language")
    programme = None
    titles = {}
    recipients = []
    for code, email, language in links.iterator():
        if language not in titles:
            programme = programme or Programme.objects.get(pk=programme_id)
            with translation.override(language):
                titles[language] = str(programme.title)
        recipients.append((email, language, {
            "programme_title": titles[language], "receipt": code,
            "check_url": portal_link("voting:receipt", query={"code": code})}))
    outbox.queue_templated_emails(template="voting/email/receipt", purpose="voting:receipt",
                                  recipients=recipients)
    # From here on the portal keeps only the receipt's hash (on the vote): the code in clear
    # goes with the email.
    VoterLink.objects.filter(
        programme_id=programme_id,
        vote__ledger_entry__sequence__range=(entries[0].sequence, entries[-1].sequence),
    ).exclude(receipt_code="").update(receipt_code="")


def existing_receipt(voter, programme, scope=0):
    """The receipt of ``voter``'s vote in this programme (or programme id) and scope while it
    is still kept in clear (until the seal mails it); "" once only its hash is kept; None
    when the voter has not voted."""
    if not getattr(voter, "is_authenticated", False):
        return None
    return VoterLink.objects.filter(voter=voter, programme=programme, scope=scope).values_list(
        "receipt_code", flat=True).first()



def _request_seal(programme_id):
    """Ask the single writer to seal. With a broker, at most once a second per programme from
    each process (no round trip to ask), and not while Redis is down: a seal takes every vote
    committed before it, and the periodic seal catches up the rest."""
    from .tasks import seal_ledger

    if not seal_ledger.app.conf.task_always_eager and not claim_in_process(
            f"voting:seal-requested:{programme_id}", 1):
        return
    try:
        seal_ledger.delay(programme_id)
    except Exception as exc:  # noqa: BLE001 - the periodic seal catches up
        logger.warning("Could not queue the ledger seal, the periodic one will: %s", exc)


@dataclass
class ReceiptStatus:
    found: bool
    sealed: bool = False
    position: int | None = None
    leaf: str = ""
    review: str = ""  # "" when never reviewed, else a ReviewStatus
    checkpoint: object = None  # the first signed checkpoint that includes the vote (a Checkpoint)
    # Stored but never to be sealed: the head was published without it (a vote that got in
    # past the window's checks, or committed while the head was being published).
    not_counted: bool = False


def check_receipt(code):
    """What a receipt proves: that a vote was counted and where it sits in the chain — never
    for whom it was cast. A vote not in the ledger once the head is published is not counted
    (nothing is sealed after it); whether the head is published is read before the ledger, so
    a vote sealed in between is still found there."""
    vote = (Vote.objects.filter(receipt_hash=receipt_hash(code))
            .annotate(closed_ledger=head_published("programme")).only("pk").first())
    if vote is None:
        return ReceiptStatus(found=False)
    review = VoteReview.objects.filter(vote=vote).values_list("status", flat=True).first() or ""
    entry = LedgerEntry.objects.filter(vote=vote).only("programme_id", "sequence", "leaf").first()
    if entry is None:
        return ReceiptStatus(found=True, review=review, not_counted=vote.closed_ledger)
    return ReceiptStatus(found=True, sealed=True, position=entry.sequence, leaf=entry.leaf,
                         review=review, checkpoint=checkpoints.first_including(
                             entry.programme_id, entry.sequence))


def anonymise_voter(user):
    """Account deletion: the votes stay in the tally and the ledger; the link forgets who."""
    VoterLink.objects.filter(voter=user).update(voter=None, receipt_code="", client_ip=None,
                                                visitor_id="")
