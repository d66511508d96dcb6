"""Staff write to a segment of a programme's people (issue 18): drafts not submitted, finalists,
jurors … Each app registers the segments of the data it owns (``register_mail_segment`` in its
``segments.py``); this module is the one home of the rules of such mail:

* who is left out: people without consent to the processing of their personal data, and
  addresses that unsubscribed (``MailOptOut``); one mail per address;
* each person's language (their preference; a text left empty falls back to Russian);
* the placeholders ``{organisation}``, ``{deadline}`` and ``{link}``, an unknown one refused;
* a subject is one line (no header injection);
* no double send: the same segment of the same programme again within
  ``SEGMENT_MAIL_REPEAT_MINUTES`` needs a confirmation;
* the mail goes through the outbox in one statement, with an unsubscribe link (signed, no
  sign-in needed) in its text and in its ``List-Unsubscribe`` header, with RFC 8058's
  ``List-Unsubscribe-Post`` (the mail client's own "Unsubscribe" button, one click), and the
  send is written to the audit log.
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from . import audit, outbox
from .emails import canonical_email
from .formats import long_date
from .links import portal_link
from .models import MailOptOut, OutboxMessage, Programme, SegmentMessage
from .registries import SegmentRecipient, mail_segments, ordered

LANGUAGES = ("ru", "kk", "en")
PLACEHOLDERS = ("organisation", "deadline", "link")
# Anything in braces is meant as a placeholder: "{organization}" must not go out as typed.
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# A subject is one header line: no line breaks, no other control characters.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
PURPOSE = "segment-mail"
TEMPLATE = "ozgeris/messages/email/segment_message"
_UNSUBSCRIBE_SALT = "ozgeris.segment-mail.unsubscribe"
# RFC 8058: the one-click request's body is this field with this value.
ONE_CLICK_FIELD, ONE_CLICK_VALUE = "List-Unsubscribe", "One-Click"
SUBJECT_MAX = OutboxMessage._meta.get_field("subject").max_length


class SegmentMailError(Exception):
    """A message refused; ``needs_confirmation`` when only a ticked confirmation is missing."""

    def __init__(self, message, *, needs_confirmation=False, latest=None):
        super().__init__(message)
        self.needs_confirmation = needs_confirmation
        self.latest = latest  # the message a confirmation would be given after (its pk)


# Segments ---------------------------------------------------------------------------------

def segments():
    """The registered segments in their order."""
    return ordered(mail_segments)


def segment_title(name):
    segment = mail_segments.get(name)
    return str(segment.title) if segment else name


# Texts ------------------------------------------------------------------------------------

def text_problems(texts):
    """What is wrong with ``texts`` ({"subject_ru": …, "body_kk": …}), as messages by field:
    the Russian subject and text are required, a subject is one line, and only the known
    placeholders may stand in braces."""
    problems = {}
    for language in LANGUAGES:
        for part in ("subject", "body"):
            name = f"{part}_{language}"
            value = texts.get(name) or ""
            if language == "ru" and not value.strip():
                problems[name] = _("Write the Russian text: it is sent to everyone whose "
                                   "language has no text of its own.")
                continue
            if part == "subject" and _CONTROL.search(value):
                problems[name] = _("The subject must be a single line of text.")
                continue
            unknown = sorted({found for found in _PLACEHOLDER.findall(value)
                              if found not in PLACEHOLDERS})
            if unknown:
                problems[name] = _(
                    "Unknown placeholder %(unknown)s. Use only {organisation}, {deadline} "
                    "and {link}.") % {"unknown": ", ".join(f"{{{name}}}" for name in unknown)}
    return problems


def texts_in(texts, language):
    """(subject, body) of ``texts`` in ``language``: each falls back to Russian when empty."""
    def pick(part):
        return (texts.get(f"{part}_{language}") or "").strip() or texts[f"{part}_ru"].strip()

    return pick("subject"), pick("body")


def _deadline_text(deadline, language):
    if deadline is None:
        return ""
    local = timezone.localtime(deadline)
    return f"{long_date(local, language)}, {local:%H:%M}"


def fill(text, recipient, language):
    """``text`` with its placeholders replaced by ``recipient``'s values (checked before)."""
    values = {"organisation": recipient.organisation, "link": recipient.link,
              "deadline": _deadline_text(recipient.deadline, language)}
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


# Who receives it --------------------------------------------------------------------------

def address_hash(email):
    """The SHA-256 of the canonical address (``MailOptOut`` keeps this, never the address)."""
    return hashlib.sha256(canonical_email(email).encode()).hexdigest()


@dataclass
class Audience:
    recipients: list = field(default_factory=list)
    left_out: int = 0


def audience(programme, segment_name):
    """Who a message to ``segment_name`` of ``programme`` goes to, once per address, and how
    many of the segment were left out (no consent, or unsubscribed). Two queries or so
    beyond the segment's own, whatever its size."""
    segment = mail_segments.get(segment_name)
    if segment is None:
        raise SegmentMailError(_("Choose who the message is for."))
    # One mail per address; where an address stands twice (two meetings' rosters), the entry
    # that consents wins, so a person who agreed once is not left out.
    people = {}
    for recipient in segment.recipients(programme):
        key = address_hash(recipient.email)
        if key not in people or (recipient.consented and not people[key].consented):
            people[key] = recipient
    seen = set(people)
    opted_out = set(MailOptOut.objects.filter(address_hash__in=seen)
                    .values_list("address_hash", flat=True))
    result = Audience()
    for key, recipient in people.items():
        if recipient.consented and key not in opted_out:
            result.recipients.append(recipient)
        else:
            result.left_out += 1
    return result


def user_recipient(user, **values):
    """The ``SegmentRecipient`` for an account: its address and language, and whether it
    consents (an account deleted, switched off, or without consent to the processing of its
    personal data is left out). ``values`` are the placeholders' (organisation, deadline,
    link)."""
    consented = (user.is_active and user.anonymised_at is None
                 and user.personal_data_consent_at is not None)
    return SegmentRecipient(email=user.email, language=user.preferred_language,
                            name=user.get_full_name(), consented=consented, **values)


def recipient_language(recipient):
    return recipient.language if recipient.language in LANGUAGES else "ru"


def preview(*, programme, segment_name, texts):
    """The audience's size and, for each language among the recipients, the message as the
    first of them will read it: [{"language", "recipient", "subject", "body"}]."""
    people = audience(programme, segment_name)
    samples, languages = [], {}
    for recipient in people.recipients:
        languages.setdefault(recipient_language(recipient), recipient)
    for language in LANGUAGES:
        if language in languages:
            recipient = languages[language]
            subject, body = _rendered(texts, recipient, language)
            samples.append({"language": language, "recipient": recipient,
                            "subject": subject, "body": body})
    return people, samples


def _rendered(texts, recipient, language):
    """The subject and body as ``recipient`` reads them. A subject filled with a long
    organisation's name is cut to what a mail's subject (and the outbox) holds."""
    subject, body = texts_in(texts, language)
    subject = " ".join(fill(subject, recipient, language).split())
    return Truncator(subject).chars(SUBJECT_MAX), fill(body, recipient, language)


# Sending ----------------------------------------------------------------------------------

def send_segment_message(*, programme, segment_name, texts, by, confirm_repeat=False, now=None):
    """Write ``texts`` to the people of ``segment_name`` of ``programme`` as ``by``.

    One transaction: the programme's row is locked (two sends at once are serialised, so the
    repeat guard holds), the ``SegmentMessage`` is saved, every recipient's mail is written to
    the outbox in one statement (rendered now, in their language, with their unsubscribe link
    in the text and in the ``unsubscribe_headers``) and linked to the message, and an audit
    entry ``segment_mail.sent`` is written. The outbox sends it after the commit. Raises
    ``SegmentMailError`` (nothing sent) on bad texts, an empty audience, or a repeat within
    ``SEGMENT_MAIL_REPEAT_MINUTES`` not confirmed. ``confirm_repeat``: True, or the pk of the
    latest message the person was shown when they confirmed (``SegmentMailError.latest``): a
    message sent since (their own first click of a double-click) needs a new confirmation."""
    problems = text_problems(texts)
    if problems:
        raise SegmentMailError(" ".join(problems.values()))
    now = now or timezone.now()
    with transaction.atomic():
        # no_key: a vote, an application or a ledger entry for this programme (a foreign key
        # to the row) does not wait for the send, as ledger.seal's lock lets them through.
        programme = Programme.objects.select_for_update(no_key=True).get(pk=programme.pk)
        since = now - timedelta(minutes=settings.SEGMENT_MAIL_REPEAT_MINUTES)
        recent = SegmentMessage.objects.filter(programme=programme, segment=segment_name,
                                               created_at__gte=since).values_list(
                                                   "pk", flat=True).order_by("-pk").first()
        if recent and not confirm_repeat:
            raise SegmentMailError(
                _("A message to these recipients of this programme was sent less than "
                  "%(minutes)s minutes ago. Tick the confirmation to send another one.")
                % {"minutes": settings.SEGMENT_MAIL_REPEAT_MINUTES}, needs_confirmation=True,
                latest=recent)
        if recent and confirm_repeat is not True and confirm_repeat != recent:
            raise SegmentMailError(
                _("Another message to these recipients went out while you were confirming "
                  "(a second click?). Confirm again to send one more."),
                needs_confirmation=True, latest=recent)
        people = audience(programme, segment_name)
        if not people.recipients:
            raise SegmentMailError(_("No one in this group can receive the message."))
        message = SegmentMessage.objects.create(
            programme=programme, segment=segment_name, author=by, created_at=now,
            recipients_count=len(people.recipients), left_out_count=people.left_out,
            repeat_confirmed=bool(recent),
            **{name: texts.get(name) or "" for name in _text_fields()})
        rows = outbox.queue_templated_emails(
            template=TEMPLATE, purpose=PURPOSE, render_now=True,
            recipients=[_outbox_entry(texts, recipient) for recipient in people.recipients])
        SegmentMessage.outbox_messages.through.objects.bulk_create(
            SegmentMessage.outbox_messages.through(segmentmessage_id=message.pk,
                                                   outboxmessage_id=row.pk) for row in rows)
        audit.record(by, "segment_mail.sent", message, programme=programme.year,
                     segment=segment_name, recipients=message.recipients_count,
                     left_out=message.left_out_count, repeat_confirmed=bool(recent))
    return message


def _text_fields():
    return [f"{part}_{language}" for part in ("subject", "body") for language in LANGUAGES]


def _outbox_entry(texts, recipient):
    language = recipient_language(recipient)
    subject, body = _rendered(texts, recipient, language)
    link = unsubscribe_link(recipient.email)
    context = {"subject": subject, "body": body, "unsubscribe_url": link}
    return recipient.email, language, context, unsubscribe_headers(link)


def with_delivery_counts(queryset):
    """``queryset`` of SegmentMessage with ``queued``, ``sent`` and ``failed`` counted from the
    outbox rows each message wrote (one query for a page of them)."""
    return queryset.annotate(
        queued=Count("outbox_messages", filter=Q(outbox_messages__sent_at__isnull=True,
                                                 outbox_messages__failed_at__isnull=True)),
        sent=Count("outbox_messages", filter=Q(outbox_messages__sent_at__isnull=False)),
        failed=Count("outbox_messages",
                     filter=outbox.given_up_condition(prefix="outbox_messages__")),
    )


# Unsubscribing ----------------------------------------------------------------------------

def unsubscribe_token(email):
    """A signed token naming ``email``'s hash: whoever holds the mail may unsubscribe it, no
    sign-in needed; a token not signed by this portal is refused."""
    return signing.dumps(address_hash(email), salt=_UNSUBSCRIBE_SALT)


def unsubscribe_link(email):
    return portal_link("segment_mail:unsubscribe", args=[unsubscribe_token(email)])


def unsubscribe_headers(link):
    """The headers of a message one may decline, for ``link`` (its recipient's own
    ``unsubscribe_link``): RFC 2369's ``List-Unsubscribe``, which mail clients show as their
    own "Unsubscribe" button, and RFC 8058's ``List-Unsubscribe-Post``, which has them POST
    ``List-Unsubscribe=One-Click`` to the link (Gmail's and Yahoo's rules for bulk senders)."""
    return {"List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": f"{ONE_CLICK_FIELD}={ONE_CLICK_VALUE}"}


def read_unsubscribe_token(token):
    """The address hash a token names, or None for a forged or damaged one."""
    try:
        value = signing.loads(token, salt=_UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value) else None


def unsubscribe(*, token):
    """Record that the address ``token`` names wants no more messages to segments (once; a
    second click changes nothing). Returns False for a forged token."""
    key = read_unsubscribe_token(token)
    if key is None:
        return False
    try:
        with transaction.atomic():
            opt_out, created = MailOptOut.objects.get_or_create(address_hash=key)
    except IntegrityError:  # the same link clicked twice at once: the other click recorded it
        return True
    if created:
        audit.record(None, "segment_mail.unsubscribed", opt_out)
    return True
