"""Signed checkpoints of the vote's ledger, kept outside the database.

The ledger (ledger.py) lives in the database it protects: whoever can write that database could
rewrite votes, recompute every leaf and the published head, and the chain would still verify;
before the close, cutting or appending at its tail shows nowhere. So every
VOTE_CHECKPOINT_MINUTES while a vote runs (when its head has moved), and once more over the
head published at the close, the portal signs a statement of the head with an Ed25519 key that
is never stored in the database (``VOTE_CHECKPOINT_KEY``), stores it, publishes it
(/vote/YEAR/checkpoints/ and its JSON feed) and mails it to the programme's jurors and staff.
A copy kept by any of them catches a chain rewritten or cut afterwards:
``verify_ledger --programme YEAR --checkpoints FILE`` recomputes the chain from the votes and
compares it, position by position, with what was signed.

The signed statement is this text in UTF-8, each line ended by a line feed (``\\n``)::

    ozgeris-ustasy checkpoint v1
    programme: 2031
    position: 1234
    digest: <the leaf at that position, 64 lower-case hex; 64 zeros for an empty ledger>
    signed_at: 2031-10-14T09:00:00Z
    final: no

``signed_at`` is UTC to the second; ``final`` is ``yes`` for the checkpoint over the head
published at the close. The signature is Ed25519 over exactly these bytes (hex in the feed
and the mail). Anyone can check one with standard tools, e.g. with the public key saved as
``key.pem`` (the feed has it), the text as ``statement.txt`` and the signature in binary::

    xxd -r -p <<< SIGNATURE_HEX > signature.bin
    openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in statement.txt -sigfile signature.bin

A key is named by its id: the first 16 hex digits of the SHA-256 of its 32 raw bytes.
"""

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from ozgeris import outbox
from ozgeris.links import portal_link
from ozgeris.models import Programme, User
from ozgeris.permissions import STAFF_GROUP

from . import ledger
from .models import Checkpoint, LedgerEntry
from .visitors import ALMATY

FORMAT = "ozgeris-ustasy checkpoint v1"
TEMPLATE = (f"{FORMAT}\nprogramme: {{programme}}\nposition: {{position}}\ndigest: {{digest}}\n"
            "signed_at: {signed_at}\nfinal: {final}\n")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX128 = re.compile(r"[0-9a-f]{128}")
DEVELOPMENT_SEED = b"ozgeris-ustasy checkpoint development key\x00"


# The statement and the key

def utc_text(moment):
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def statement(*, programme, position, digest, signed_at, final):
    """The canonical text a checkpoint signs (``signed_at``: a datetime or its UTC text)."""
    if not isinstance(signed_at, str):
        signed_at = utc_text(signed_at)
    return TEMPLATE.format(programme=programme, position=position, digest=digest,
                           signed_at=signed_at, final="yes" if final else "no")


def statement_of(checkpoint, year):
    return statement(programme=year, position=checkpoint.sequence, digest=checkpoint.digest,
                     signed_at=checkpoint.signed_at, final=checkpoint.final)


def key_id(public_raw):
    return hashlib.sha256(public_raw).hexdigest()[:16]


@dataclass
class PortalKey:
    private: Ed25519PrivateKey
    development: bool

    @property
    def public(self):
        return self.private.public_key()

    @property
    def public_raw(self):
        return self.public.public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)

    @property
    def public_hex(self):
        return self.public_raw.hex()

    @property
    def public_pem(self):
        return self.public.public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    @property
    def key_id(self):
        return key_id(self.public_raw)

    def sign(self, text):
        return self.private.sign(text.encode()).hex()


def _raw_32(text):
    """32 bytes from their hex or base64 text, or None."""
    text = (text or "").strip()
    try:
        raw = bytes.fromhex(text) if len(text) == 64 else base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        return None
    return raw if len(raw) == 32 else None


def signing_key():
    """The portal's checkpoint key: ``VOTE_CHECKPOINT_KEY``; outside production, without it, a
    development key derived from SECRET_KEY (the pages say so). In production a missing or
    malformed key refuses: checkpoints signed with a guessable key would prove nothing."""
    configured = settings.VOTE_CHECKPOINT_KEY
    if configured:
        raw = _raw_32(configured)
        if raw is None:
            raise ImproperlyConfigured(
                "VOTE_CHECKPOINT_KEY must be the hex or base64 of a 32-byte Ed25519 private key "
                "(python manage.py voting_checkpoint_key makes one).")
        return PortalKey(Ed25519PrivateKey.from_private_bytes(raw), development=False)
    if settings.PRODUCTION:
        raise ImproperlyConfigured(
            "VOTE_CHECKPOINT_KEY must be set when DJANGO_ENV=production: the vote's ledger "
            "checkpoints are signed with it (python manage.py voting_checkpoint_key makes one).")
    seed = hashlib.sha256(DEVELOPMENT_SEED + settings.SECRET_KEY.encode()).digest()
    return PortalKey(Ed25519PrivateKey.from_private_bytes(seed), development=True)


def configured_key():
    """The signing key for the pages, or None when it is not configured (production)."""
    try:
        return signing_key()
    except ImproperlyConfigured:
        return None


def parse_public_key(text):
    """A raw Ed25519 public key (32 bytes) from its hex, base64 or PEM text, or from a file
    holding one of them."""
    text = text.strip()
    if not text.startswith("-----") and _raw_32(text) is None:
        try:
            text = Path(text).read_text().strip()
        except (OSError, ValueError):
            pass  # not a file: the text itself, refused below
    if text.startswith("-----"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    raw = _raw_32(text)
    if raw is None:
        raise ValueError("not the hex, base64 or PEM of an Ed25519 public key")
    return raw


def signature_holds(public_raw, text, signature_hex):
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(bytes.fromhex(signature_hex),
                                                              text.encode())
    except (InvalidSignature, ValueError):
        return False
    return True


# Making checkpoints

def make_checkpoint(programme, *, final=False, at=None):
    """Sign, store and mail a checkpoint of ``programme``'s ledger head; returns it, or None
    when there is nothing new to sign: the last checkpoint has the same position and final
    flag, the ledger is still empty, or (not final) the final one exists. ``final``: over the
    head published at the close (published first). ``at`` (the demo replaying 2019) dates the
    checkpoint then and mails no one. Side effects: the checkpoint; one email per juror of
    the programme and member of the programme staff, in their language, through the outbox."""
    with transaction.atomic():
        programmes = Programme.objects.filter(pk=programme.pk)
        if connection.features.has_select_for_update:  # one writer at a time, as the seal
            programmes = programmes.select_for_update(no_key=True)
        programme = programmes.get()
        existing = Checkpoint.objects.filter(programme=programme)
        if existing.filter(final=True).exists():
            return None
        if final:
            published = ledger.published_head(programme)
            if published is None:
                raise ValueError("The final checkpoint is made over the published head.")
            sequence, digest = published.head_sequence, published.head_digest
        else:
            head = ledger.head(programme)
            if head is None:
                return None
            sequence, digest = head.sequence, head.leaf
        last = existing.order_by("-signed_at", "-pk").first()
        if last and (last.sequence, last.final) == (sequence, final):
            return None
        key = signing_key()
        signed_at = (at or timezone.now()).replace(microsecond=0)
        checkpoint = Checkpoint(programme=programme, sequence=sequence, digest=digest,
                                signed_at=signed_at, final=final, key_id=key.key_id)
        checkpoint.signature = key.sign(statement_of(checkpoint, programme.year))
        checkpoint.save()
        if at is None and (final or last is None or _day(last.signed_at) != _day(signed_at)):
            _mail(programme, checkpoint, key)
    return checkpoint


def _day(moment):
    """The Almaty day of a moment: the observers get the first checkpoint of each day and the
    final one by mail (hourly mail for a month would be ~720 messages each); every checkpoint
    is on the page and in the feed."""
    return timezone.localtime(moment, ALMATY).date()


def make_due():
    """The periodic run: a checkpoint of every vote that has opened and has no final one yet,
    when its head moved since the last (a closed vote's published head gets its final
    checkpoint if the close did not make it). Returns how many were made."""
    made = 0
    programmes = Programme.objects.filter(voting_opens_at__lte=Now()).exclude(
        checkpoints__final=True)
    for programme in programmes:
        final = ledger.published_head(programme) is not None
        made += make_checkpoint(programme, final=final) is not None
    return made


def observers(programme):
    """Who receives the checkpoints: the programme's jurors and the programme staff (active
    accounts that were not deleted)."""
    return (User.objects.filter(is_active=True, anonymised_at__isnull=True)
            .filter(Q(jury_memberships__programme=programme)
                    | Q(is_staff=True, groups__name=STAFF_GROUP))
            .distinct().order_by("pk"))


def _mail(programme, checkpoint, key):
    titles = {}
    recipients = []
    url = portal_link("voting:checkpoints", args=[programme.year])
    for email, language in observers(programme).values_list("email", "preferred_language"):
        if language not in titles:
            with translation.override(language):
                titles[language] = str(programme.title)
        recipients.append((email, language, {
            "programme_title": titles[language], "position": checkpoint.sequence,
            "final": checkpoint.final, "statement": statement_of(checkpoint, programme.year),
            "signature": checkpoint.signature, "public_key": key.public_hex,
            "key_id": key.key_id, "development": key.development, "checkpoints_url": url}))
    outbox.queue_templated_emails(template="voting/email/checkpoint",
                                  purpose="voting:checkpoint", recipients=recipients)


# Reading them

def first_including(programme_id, position):
    """The first checkpoint signed over a head at or after ``position``: it includes the vote
    at that position."""
    return (Checkpoint.objects.filter(programme_id=programme_id, sequence__gte=position)
            .select_related("programme").order_by("signed_at", "pk").first())


def as_dict(checkpoint, year):
    return {"programme": year, "position": checkpoint.sequence, "digest": checkpoint.digest,
            "signed_at": utc_text(checkpoint.signed_at), "final": checkpoint.final,
            "key_id": checkpoint.key_id, "signature": checkpoint.signature,
            "statement": statement_of(checkpoint, year)}


def feed(programme):
    """The public JSON feed: the key, the statement's format and every checkpoint."""
    key = configured_key()
    return {
        "format": FORMAT,
        "programme": programme.year,
        "algorithm": "Ed25519",
        "public_key": key.public_hex if key else None,
        "public_key_pem": key.public_pem if key else None,
        "key_id": key.key_id if key else None,
        "development_key": key.development if key else None,
        "statement": TEMPLATE,
        "statement_notes": "UTF-8, a line feed after every line; signed_at in UTC to the "
                           "second; final: yes for the checkpoint at the close; the signature "
                           "(hex) is Ed25519 over exactly these bytes",
        "checkpoints": [as_dict(checkpoint, programme.year) for checkpoint in
                        Checkpoint.objects.filter(programme=programme).order_by("signed_at",
                                                                                "pk")],
    }


# Checking the ledger against kept copies

def load_kept(paths):
    """The checkpoints in saved copies of the feed (or lists of checkpoints, or single ones):
    (checkpoints, problems)."""
    kept, problems = [], []
    for path in paths:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(ledger.Problem(gettext_noop("%(path)s cannot be read: %(error)s"),
                                           {"path": path, "error": str(exc)}))
            continue
        if isinstance(data, dict) and "checkpoints" in data:
            data = data["checkpoints"]
        kept.extend(data if isinstance(data, list) else [data])
    return kept, problems


def _describe(item):
    """The checkpoint a problem is about, as a Problem rendered inside the other: its time in
    Almaty time when it is a valid one, else as it was found."""
    signed_at = item.get("signed_at")
    if isinstance(signed_at, str) and _TIME.fullmatch(signed_at):
        try:
            signed_at = datetime.strptime(signed_at, TIME_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            pass  # e.g. a 31st of February: shown as it was found
    return ledger.Problem(gettext_noop("the checkpoint of position %(position)s signed at "
                                       "%(signed_at)s (Almaty time)"),
                          {"signed_at": signed_at, "position": item.get("position")})


def _well_formed(findings, item, year):
    """Add what is wrong with the checkpoint's fields; whether it is well formed."""
    if not isinstance(item, dict):
        findings.add(gettext_noop("an entry that is not a checkpoint"))
        return False
    if item.get("programme") != year:
        findings.add(gettext_noop("%(checkpoint)s is of programme %(other)s, not %(year)s"),
                     checkpoint=_describe(item), other=item.get("programme"), year=year)
        return False
    position = item.get("position")
    if not isinstance(position, int) or isinstance(position, bool) or position < 0:
        findings.add(gettext_noop("%(checkpoint)s has no valid position"),
                     checkpoint=_describe(item))
        return False
    if not (isinstance(item.get("digest"), str) and _HEX64.fullmatch(item["digest"])
            and isinstance(item.get("signed_at"), str) and _TIME.fullmatch(item["signed_at"])
            and isinstance(item.get("final"), bool)
            and isinstance(item.get("signature"), str) and _HEX128.fullmatch(item["signature"])):
        findings.add(gettext_noop("%(checkpoint)s is malformed"), checkpoint=_describe(item))
        return False
    return True


def verify_against(programme, kept, public_keys=()):
    """Check the ledger of ``programme`` against checkpoints kept outside the database (dicts
    as in the feed). Each must be signed by a trusted key — the portal's configured one or one
    of ``public_keys`` (raw bytes) — and the chain recomputed from the votes must have, at its
    position, exactly the digest it signed. Returns the problems (``ledger.Problem``, each
    kind capped as ``ledger.verify``'s), each naming the position and the checkpoint's time;
    empty when everything holds."""
    trusted = {}
    key = configured_key()
    if key is not None:
        trusted[key.key_id] = key.public_raw
    for raw in public_keys:
        trusted[key_id(raw)] = raw
    findings, valid, seen = ledger.Findings(), [], set()
    for item in kept:
        if not _well_formed(findings, item, programme.year):
            continue
        if item["signature"] in seen:
            continue
        seen.add(item["signature"])
        public_raw = trusted.get(item.get("key_id"))
        if public_raw is None:
            findings.add(gettext_noop("%(checkpoint)s names key %(key)s, which is neither the "
                                      "portal's key nor one given with --public-key"),
                         checkpoint=_describe(item), key=item.get("key_id"))
            continue
        text = statement(programme=programme.year, position=item["position"],
                         digest=item["digest"], signed_at=item["signed_at"], final=item["final"])
        if not signature_holds(public_raw, text, item["signature"]):
            findings.add(gettext_noop("%(checkpoint)s: the signature does not match (a forged "
                                      "or altered checkpoint)"), checkpoint=_describe(item))
            continue
        valid.append(item)
    recomputed, length = _recompute(programme, {item["position"] for item in valid})
    for item in sorted(valid, key=lambda item: (item["position"], item["signed_at"])):
        position = item["position"]
        if position not in recomputed:
            findings.add(gettext_noop("position %(position)s is not in the chain, which ends at "
                                      "position %(length)s, but %(checkpoint)s signed it: the "
                                      "ledger was cut"),
                         position=position, length=length, checkpoint=_describe(item))
        elif recomputed[position] != item["digest"]:
            findings.add(gettext_noop("position %(position)s: the chain recomputed from the "
                                      "votes gives %(recomputed)s, but %(checkpoint)s signed "
                                      "%(digest)s: the ledger was rewritten"),
                         position=position, recomputed=recomputed[position],
                         checkpoint=_describe(item), digest=item["digest"])
    stored = set(Checkpoint.objects.filter(programme=programme).values_list("signature",
                                                                             flat=True))
    for item in valid:
        if item["signature"] not in stored:
            findings.add(gettext_noop("%(checkpoint)s is no longer in the portal's database"),
                         checkpoint=_describe(item))
    return findings.problems()


def _recompute(programme, positions):
    """({position: leaf recomputed from the votes} for the asked positions, the chain's last
    position). Position 0 is the empty chain."""
    recomputed = {0: ledger.GENESIS} if 0 in positions else {}
    previous, last = ledger.GENESIS, 0
    entries = (LedgerEntry.objects.filter(programme=programme).select_related("vote")
               .order_by("sequence"))
    for entry in entries.iterator(chunk_size=2000):
        previous = ledger.leaf(previous, entry.vote)
        last = entry.sequence
        if last in positions:
            recomputed[last] = previous
    return recomputed, last


def verify_files(programme, paths, public_keys=()):
    """``verify_ledger --checkpoints``: (problems, how many kept checkpoints were read)."""
    kept, problems = load_kept(paths)
    trusted = []
    for text in public_keys:
        try:
            trusted.append(parse_public_key(text))
        except ValueError as exc:
            problems.append(ledger.Problem(
                gettext_noop("the key given with --public-key %(key)s cannot be used: "
                             "%(error)s"), {"key": text, "error": str(exc)}))
    return problems + verify_against(programme, kept, trusted), len(kept)
