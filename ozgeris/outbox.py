"""The outbox: services queue mail inside their transaction; a task sends it after the commit.

``queue_email`` writes a row and asks for a drain once the transaction commits.
``drain`` sends what is due, each message under a row lock so two workers never
send the same one, and backs off on failure. If the broker is down when the
drain is requested, the row waits for the next periodic drain: nothing is lost.

The outbox keeps no secret (issue 15). Account mail (allauth's: password-reset links,
confirmation keys, sign-in codes) is rendered only when it is sent, and never stored
rendered: the credential lives in the row's context from the request until the message is
sent or given up, and is then cleared. Other mail loses its text, HTML and context
``OUTBOX_KEEP_SENT_DAYS`` after it was sent or given up (``forget_old_messages``). The admin
shows none of them.

A message may carry extra header lines (``headers``), but only those named in
``ALLOWED_HEADERS``, each value a single line: a header is refused when it is queued
(``UnsafeHeader``) and checked again when it is sent, so no text can add a header of its own.
They are cleared with the text.
"""

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Q
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from .cache import claim
from .models import OutboxMessage

logger = logging.getLogger(__name__)

# The purpose of allauth's mail (ozgeris.accounts), rendered by allauth when it is sent.
ACCOUNT_PURPOSE = "account:"
# Mail that carries a secret (an account's link or code, a vote's receipt code): its text is
# never kept (a retry renders it again) and its context only until it is sent or given up, so
# the receipt lives on only in the voter's mailbox and as a hash on the vote.
SECRET_PURPOSES = (ACCOUNT_PURPOSE, "voting:receipt")
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
    """Send up to ``limit`` due messages; return how many were sent."""
    sent = 0
    for _ in range(limit):
        with transaction.atomic():
            now = timezone.now()
            message = _claim_next(now)
            if message is None:
                break
            message.attempts += 1
            try:
                if message.template and not message.body:
                    message.subject, message.body, message.html_body = _render_message(message)
                send_one(message)
            except Exception as exc:  # noqa: BLE001 - any delivery failure is retried
                message.last_error = str(exc)[:2000]
                if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                    message.failed_at = now
                else:
                    message.available_at = now + _backoff(message.attempts)
                logger.warning("Outbox message %s not sent: %s", message.pk, exc)
            else:
                message.sent_at = now
                message.last_error = ""
                sent += 1
            if message.purpose.startswith(SECRET_PURPOSES):
                message.body = message.html_body = ""
                if message.sent_at or message.failed_at:
                    message.context = None
            message.save(
                update_fields=["attempts", "last_error", "sent_at", "failed_at", "available_at",
                               "subject", "body", "html_body", "context"]
            )
    return sent


def forget_old_messages(now=None):
    """Clear the text, HTML and context of the messages sent or given up more than
    ``OUTBOX_KEEP_SENT_DAYS`` days ago, and their headers (an unsubscribe link); the row stays
    (recipients, subject, purpose, state) as the record that the mail went. Returns how many
    rows it cleared."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.OUTBOX_KEEP_SENT_DAYS)
    old = OutboxMessage.objects.filter(Q(sent_at__lt=cutoff) | Q(failed_at__lt=cutoff))
    return (old.exclude(body="", html_body="", context__isnull=True, headers={})
            .update(body="", html_body="", context=None, headers={}))
