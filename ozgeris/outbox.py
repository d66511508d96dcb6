"""The outbox: services queue mail inside their transaction; a task sends it after the commit.

``queue_email`` writes a row and asks for a drain once the transaction commits.
``drain`` sends what is due, each message under a row lock so two workers never
send the same one, and backs off on failure. If the broker is down when the
drain is requested, the row waits for the next periodic drain: nothing is lost.

The outbox keeps no secret (issue 15). Account mail (allauth's: password-reset links,
confirmation keys, sign-in codes) is rendered only when it is sent, and never stored
rendered: the credential lives in the row's context from the request until the message is
sent, and is then cleared (also when given up: its link expires and the person asks again).
Other mail loses its text, HTML and context ``OUTBOX_KEEP_SENT_DAYS`` after it was sent
(``forget_old_messages``). The admin shows none of them.

A mail server that is down or hangs delays mail, and loses none: a failed send is retried after
30 s, doubling up to an hour, for ``OUTBOX_GIVE_UP_HOURS`` (3 days) and at least
``OUTBOX_MAX_ATTEMPTS`` attempts, and a message given up on keeps what it needs to be sent (a
vote's receipt code lives nowhere else) until ``manage.py outbox_retry`` queues it again. A drain
stops at the first connection error or timeout (the mail server is what fails, so the rest would
fail too, each after ``EMAIL_TIMEOUT``) and after ``DRAIN_SECONDS``, and two drains never run at
once: the worker stays free for the vote's seal and the heartbeat.

A message to a segment (``segment_mail.PURPOSE``) whose recipient unsubscribed after it was
queued is not sent: it is closed with ``UNSUBSCRIBED`` as its error and loses its text.

A message may carry extra header lines (``headers``), but only those named in
``ALLOWED_HEADERS``, each value a single line: a header is refused when it is queued
(``UnsafeHeader``) and checked again when it is sent, so no text can add a header of its own.
They are cleared with the text.
"""

import logging
import re
import smtplib
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Q
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from . import audit
from .cache import claim
from .models import MailOptOut, OutboxMessage

logger = logging.getLogger(__name__)

# The purpose of allauth's mail (ozgeris.accounts), rendered by allauth when it is sent.
ACCOUNT_PURPOSE = "account:"
# Mail that carries a secret (an account's link or code, a vote's receipt code): its text is
# never kept (a retry renders it again) and its context only until it is sent, so the receipt
# lives on only in the voter's mailbox and as a hash on the vote. A receipt given up on keeps
# its context (the code exists nowhere else) so that ``outbox_retry`` can still send it.
SECRET_PURPOSES = (ACCOUNT_PURPOSE, "voting:receipt")
# Seconds one drain may go on taking messages (a send already started finishes): beat queues
# the next one every 30 s, and the worker has the vote's seal and the heartbeat to run too.
DRAIN_SECONDS = 60
# The drain's lock in the cache; it lapses on its own if a worker dies holding it.
DRAIN_LOCK = "outbox:draining"
# The error of a message to a segment not sent because its recipient unsubscribed after it
# was queued: closed (``failed_at``), never retried, not a delivery failure.
UNSUBSCRIBED = "Not sent: the recipient unsubscribed after it was queued."
# The error of a message never rendered whose context is gone (a receipt given up on before
# receipts kept their context, queued again): closed rather than sent with blanks.
CONTEXT_GONE = "Not sent: its text was never written and what it needed is gone."
# The header lines a message may add to the ones Django writes: RFC 2369's unsubscribe address
# and RFC 8058's one-click unsubscribe, for mail a person may decline (messages to segments).
ALLOWED_HEADERS = ("List-Unsubscribe", "List-Unsubscribe-Post")
# A header's value is one line: no CR or LF (nor any other control character) to start another.
_HEADER_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


class UnsafeHeader(ValueError):
    """A header the outbox refuses: a name not in ``ALLOWED_HEADERS``, or a value that is not
    one line of text."""


def checked_headers(headers):
    """``headers`` (a mapping of name to value) as a dict, or ``UnsafeHeader``."""
    checked = {}
    for name, value in (headers or {}).items():
        if name not in ALLOWED_HEADERS:
            raise UnsafeHeader(f"The outbox does not send a {name!r} header.")
        if not isinstance(value, str) or not value or _HEADER_CONTROL.search(value):
            raise UnsafeHeader(f"The {name} header must be one line of text.")
        checked[name] = value
    return checked


def queue_email(*, to, subject, body, html_body="", language="ru", purpose="", headers=None):
    """Write one email to the outbox in the caller's transaction; drained after commit. The
    subject is folded to one line (a line break typed into a title must not stop the mail);
    ``headers`` are checked (``checked_headers``: raises ``UnsafeHeader``)."""
    headers = checked_headers(headers)
    message = OutboxMessage.objects.create(
        to=list(to) if not isinstance(to, str) else [to],
        subject=" ".join(str(subject).split()),
        body=body,
        html_body=html_body,
        language=language,
        purpose=purpose,
        headers=headers,
    )
    transaction.on_commit(request_drain)
    return message


def queue_templated_email(*, to, template, context, language, purpose=""):
    """Render ``<template>_subject.txt``, ``.txt`` and optionally ``.html`` in ``language``.
    The plain-text parts are rendered without HTML escaping (they are not HTML: a name with
    quotes must read as typed); the HTML part is escaped as usual."""
    subject, body, html_body = _render(template, context, language)
    return queue_email(
        to=to, subject=subject, body=body, html_body=html_body, language=language, purpose=purpose
    )


def queue_templated_emails(*, template, purpose, recipients, render_now=False):
    """Many messages of one template in one statement. By default each is rendered only when
    it is sent: a busy writer (the vote's ledger seal, for the receipts) writes the rows and
    nothing more, and ``recipients`` are (address, language, JSON-serialisable context)
    triples. ``render_now`` renders them here instead (their contexts may hold objects), so a
    batch job (the draft reminders) writes its mail in one statement whatever its size. A
    recipient may come with a fourth item, their message's own headers (their unsubscribe
    link), checked as ``queue_email`` checks them: one unsafe header and nothing is written."""
    def row(address, language, context, headers=None):
        headers = checked_headers(headers)
        if not render_now:
            return OutboxMessage(to=[address], subject="", body="", template=template,
                                 context=context, language=language, purpose=purpose,
                                 headers=headers)
        subject, body, html_body = _render(template, context, language)
        return OutboxMessage(to=[address], subject=subject, body=body, html_body=html_body,
                             language=language, purpose=purpose, headers=headers)

    messages = OutboxMessage.objects.bulk_create([row(*recipient) for recipient in recipients])
    if messages:
        transaction.on_commit(request_drain)
    return messages


def _render(template, context, language):
    """(subject, text, HTML) of a templated message in ``language``."""
    with translation.override(language):
        subject = " ".join(_render_text(f"{template}_subject.txt", context).split())
        body = _render_text(f"{template}.txt", context)
        try:
            html_body = render_to_string(f"{template}.html", context)
        except TemplateDoesNotExist:
            html_body = ""
    return subject, body, html_body


def _render_text(name, context):
    return get_template(name).template.render(Context(context, autoescape=False))


def _render_message(message):
    """(subject, text, HTML) of a message queued to be rendered when it is sent."""
    if message.purpose.startswith(ACCOUNT_PURPOSE):
        from .accounts import render_account_mail  # imported here: it imports this module

        return render_account_mail(template=message.template, to=message.to,
                                   context=message.context or {}, language=message.language)
    return _render(message.template, message.context or {}, message.language)


def request_drain():
    """Ask a worker to drain the outbox; never raises (the periodic drain is the safety net).
    With a broker, at most once a second: a drain sends every message due when it runs."""
    from .tasks import drain_outbox

    if not drain_outbox.app.conf.task_always_eager and not claim("outbox:drain-requested", 1):
        return
    try:
        # A second later: the drain then also takes what the rest of this second commits,
        # whose own requests found the claim taken.
        drain_outbox.apply_async(countdown=1)
    except Exception as exc:  # noqa: BLE001 - a broker outage must not break the request
        logger.warning("Could not queue the outbox drain, the periodic drain will send: %s", exc)


def _backoff(attempts):
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def give_up_after():
    """How long a failing message is retried before it is given up (OUTBOX_GIVE_UP_HOURS)."""
    return timedelta(hours=settings.OUTBOX_GIVE_UP_HOURS)


def _gives_up(message, now):
    return (message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
            and now - message.created_at >= give_up_after())


def _mail_server_down(exc):
    """True for a failure of the connection to the mail server (refused, dropped, timed out),
    after which every other message would fail the same way; False for one message's own
    (a recipient refused, a template missing)."""
    if isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError)):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def _refused_for_good(exc):
    """True when the mail server refused the message for good (an SMTP reply of 5xx: no such
    mailbox, refused content) for every recipient: retrying for days would only keep /healthz
    "late"; the message is given up at once (``outbox_retry`` can still queue it again)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(
            code >= 500 for code, _reply in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def _unsubscribed(message):
    """True for a message to a segment whose recipient has unsubscribed since it was queued:
    a ``MailOptOut`` of the address's ``segment_mail.address_hash``, as ``audience`` decides."""
    from . import segment_mail  # imported here: it imports this module

    if message.purpose != segment_mail.PURPOSE:
        return False
    hashes = [segment_mail.address_hash(address) for address in message.to]
    return MailOptOut.objects.filter(address_hash__in=hashes).exists()


def _claim_next(now):
    """Lock and return the next due message, or None. Skips rows another worker holds."""
    queryset = OutboxMessage.objects.due(now).order_by("available_at", "id")
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True)
    return queryset.first()


def send_one(message):
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=message.to,
        headers=checked_headers(message.headers),  # a row changed since it was queued: refused
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    email.send(fail_silently=False)


def drain(limit=200):
    """Send up to ``limit`` due messages for at most ``DRAIN_SECONDS``; return how many were
    sent. Returns 0 at once while another drain runs (the lock fails open: with the cache down
    two drains may overlap, and the row locks still send each message once). Once it has let
    the lock go, a drain that stopped on its time or its limit asks for the next one, and one
    that emptied the queue looks again: what was committed meanwhile found the lock taken, and
    is not left for beat's next drain (the embedded default has no beat). One that stopped on
    the mail server leaves the rest for beat."""
    token = uuid.uuid4().hex
    if not cache.add(DRAIN_LOCK, token, DRAIN_SECONDS + settings.EMAIL_TIMEOUT + 30):
        return 0
    try:
        sent, stopped = _drain(limit)
    finally:
        if cache.get(DRAIN_LOCK) == token:
            cache.delete(DRAIN_LOCK)
    if stopped == "budget" or (stopped == "emptied" and OutboxMessage.objects.due().exists()):
        request_drain()
    return sent


def _drain(limit):
    """(sent, why it stopped: "emptied" (nothing more was due), "budget" (its time or its
    limit) or "server_down")."""
    sent = 0
    deadline = timezone.now() + timedelta(seconds=DRAIN_SECONDS)
    for _ in range(limit):
        if timezone.now() >= deadline:
            return sent, "budget"
        with transaction.atomic():
            now = timezone.now()
            message = _claim_next(now)
            if message is None:
                return sent, "emptied"
            if _unsubscribed(message):
                _close(message, now, UNSUBSCRIBED)
                continue
            if message.template and not message.body and message.context is None:
                _close(message, now, CONTEXT_GONE)  # it would go out with blanks
                continue
            message.attempts += 1
            server_down = False
            try:
                if message.template and not message.body:
                    message.subject, message.body, message.html_body = _render_message(message)
                send_one(message)
            except Exception as exc:  # noqa: BLE001 - any delivery failure is retried
                message.last_error = str(exc)[:2000] or type(exc).__name__
                if _refused_for_good(exc) or _gives_up(message, now):
                    message.failed_at = now
                else:
                    message.available_at = now + _backoff(message.attempts)
                server_down = _mail_server_down(exc)
                logger.warning("Outbox message %s not sent: %s", message.pk, exc)
            else:
                message.sent_at = now
                message.last_error = ""
                sent += 1
            if message.purpose.startswith(SECRET_PURPOSES):
                message.body = message.html_body = ""
                if message.sent_at or (message.failed_at
                                       and message.purpose.startswith(ACCOUNT_PURPOSE)):
                    message.context = None
            message.save(
                update_fields=["attempts", "last_error", "sent_at", "failed_at", "available_at",
                               "subject", "body", "html_body", "context"]
            )
        if server_down:  # the rest waits for the next drain
            return sent, "server_down"
    return sent, "budget"


def _close(message, now, reason):
    message.failed_at = now
    message.last_error = reason
    message.body = message.html_body = ""
    message.context = None
    message.headers = {}
    message.save(update_fields=["failed_at", "last_error", "body", "html_body", "context",
                                "headers"])


def given_up_condition(prefix=""):
    """The condition of a message the outbox gave up on (every retry failed, or what it needed
    is gone), not one closed because its recipient unsubscribed: what the staff must look at
    (the dashboard, /healthz, a segment mail's counts). ``prefix``: the path to the outbox's
    rows from another model (``outbox_messages__``)."""
    return (Q(**{f"{prefix}failed_at__isnull": False})
            & ~Q(**{f"{prefix}last_error": UNSUBSCRIBED}))


def given_up():
    """The messages the outbox gave up on (``given_up_condition``): what ``retry`` queues."""
    return OutboxMessage.objects.filter(given_up_condition())


def retry(*, purpose="", since=None):
    """Queue again the messages given up on (of ``purpose``, given up at or after ``since``),
    each for ``OUTBOX_MAX_ATTEMPTS`` more attempts, and ask for a drain; audited. Account
    mail is left: its link was cleared when it was given up (and has expired), the person asks
    again; so is mail whose context is gone. Returns (queued, left)."""
    chosen = given_up()
    if purpose:
        chosen = chosen.filter(purpose=purpose)
    if since is not None:
        chosen = chosen.filter(failed_at__gte=since)
    # Mail whose text was never rendered and whose context is gone cannot be written again:
    # account mail (its link was cleared) and a receipt given up before receipts kept theirs.
    lost = Q(purpose__startswith=ACCOUNT_PURPOSE) | Q(body="", context__isnull=True)
    with transaction.atomic():
        left = chosen.filter(lost).count()
        queued = (chosen.exclude(lost)
                  .update(failed_at=None, attempts=0, available_at=timezone.now()))
        if queued:
            audit.record(None, "outbox.requeued", count=queued, purpose=purpose,
                         since=since.isoformat() if since else None)
            transaction.on_commit(request_drain)
    return queued, left


def forget_old_messages(now=None):
    """Clear the text, HTML and context of the messages sent more than
    ``OUTBOX_KEEP_SENT_DAYS`` days ago, and their headers (an unsubscribe link); the row stays
    (recipients, subject, purpose, state) as the record that the mail went. A message given up
    on keeps them until it is queued again (``retry``) and sent. Returns how many rows it
    cleared."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.OUTBOX_KEEP_SENT_DAYS)
    old = OutboxMessage.objects.filter(sent_at__lt=cutoff)
    return (old.exclude(body="", html_body="", context__isnull=True, headers={})
            .update(body="", html_body="", context=None, headers={}))
