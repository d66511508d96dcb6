"""The outbox through a mail-server outage: receipts outlive it, /healthz tells, a hung server
does not hold the worker, and mail to a segment does not go to someone who unsubscribed."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from ozgeris import health, outbox, segment_mail
from ozgeris.models import AuditEvent, MailOptOut, OutboxMessage

RECEIPT = {"programme_title": "2026", "receipt": "ABCD-EFGH-IJKL",
           "check_url": "https://ozgeris.kz/vote/receipt/?code=ABCD-EFGH-IJKL"}


def receipt(address="voter@example.kz"):
    [message] = outbox.queue_templated_emails(
        template="voting/email/receipt", purpose="voting:receipt",
        recipients=[(address, "ru", RECEIPT)])
    return message


def smtp_down(message):
    raise ConnectionRefusedError("SMTP down")


def retry_until(message, clock, end):
    """Drain each time ``message`` is due again, until it is given up or ``end``."""
    while timezone.now() < end:
        message.refresh_from_db()
        if message.failed_at or message.sent_at:
            return
        clock.move_to(max(message.available_at, timezone.now() + timedelta(seconds=1)))
        outbox.drain()


# 1. A receipt outlives an outage ---------------------------------------------------------------

@pytest.mark.django_db
def test_a_receipt_outlives_an_hour_long_outage_and_is_sent_when_the_server_is_back(
        monkeypatch):
    start = timezone.now()
    message = receipt()
    monkeypatch.setattr(outbox, "send_one", smtp_down)
    with time_machine.travel(start, tick=False) as clock:
        retry_until(message, clock, start + timedelta(hours=2))
        message.refresh_from_db()
        assert message.failed_at is None and message.attempts > 8
        assert message.available_at - timezone.now() <= timedelta(hours=1)  # hourly at most
        monkeypatch.undo()
        clock.move_to(message.available_at)
        outbox.drain()
    message.refresh_from_db()
    assert message.sent_at and message.context is None  # sent: the code is cleared
    [sent] = [m for m in mail.outbox if m.to == ["voter@example.kz"]]
    assert "ABCD-EFGH-IJKL" in sent.body


@pytest.mark.django_db
def test_a_receipt_given_up_keeps_its_code_and_outbox_retry_sends_it(
        monkeypatch, django_capture_on_commit_callbacks):
    start = timezone.now()
    message = receipt()
    monkeypatch.setattr(outbox, "send_one", smtp_down)
    with time_machine.travel(start, tick=False) as clock:
        retry_until(message, clock, start + timedelta(days=4))
        message.refresh_from_db()
        given_up_after = message.failed_at - start
        assert timedelta(hours=72) <= given_up_after < timedelta(hours=74)
        assert message.context == RECEIPT  # the code exists nowhere else
        outbox.forget_old_messages(now=start + timedelta(days=30))
        message.refresh_from_db()
        assert message.context == RECEIPT  # nor does the retention task take it

        monkeypatch.undo()
        with django_capture_on_commit_callbacks(execute=True):  # the drain it asks for
            call_command("outbox_retry", "--purpose", "voting:receipt",
                         "--since", start.date().isoformat())
    message.refresh_from_db()
    assert message.sent_at and message.failed_at is None and message.context is None
    assert any("ABCD-EFGH-IJKL" in m.body for m in mail.outbox if m.to == ["voter@example.kz"])
    event = AuditEvent.objects.filter(action="outbox.requeued").latest("created_at")
    assert event.actor is None and event.details["count"] >= 1


@pytest.mark.django_db
def test_outbox_retry_leaves_account_mail_and_other_purposes(
        django_capture_on_commit_callbacks):
    now = timezone.now()

    def given_up(purpose):
        return OutboxMessage.objects.create(to=["x@example.kz"], subject="s", body="b",
                                            purpose=purpose, attempts=80, failed_at=now)

    account, other, wanted = given_up("account:reset"), given_up("test"), given_up("outage")
    with pytest.raises(CommandError, match="not a date"):
        call_command("outbox_retry", "--since", "yesterday")
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("outbox_retry", "--purpose", "outage", "--since",
                     timezone.localdate(now).isoformat(),
                     stdout=out)
        call_command("outbox_retry", "--purpose", "account:reset", stdout=out)
    assert "1 messages queued again." in out.getvalue()
    assert "1 messages left" in out.getvalue()
    for row in (account, other, wanted):
        row.refresh_from_db()
    assert account.failed_at and other.failed_at
    assert wanted.failed_at is None and wanted.sent_at  # queued again and sent


# 2. /healthz tells ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_healthz_reports_a_mail_server_outage(monkeypatch, settings):
    start = timezone.now()
    outbox.queue_email(to=["ngo@example.kz"], subject="s", body="b", purpose="test")
    monkeypatch.setattr(outbox, "send_one", smtp_down)
    worst = 0
    with time_machine.travel(start, tick=False) as clock:
        for step in range(1, 2 * 20):  # beat's drain every 30 s, for 20 minutes
            clock.move_to(start + timedelta(seconds=30 * step))
            outbox.drain()
            since = health.oldest_unsent_message()
            worst = max(worst, (timezone.now() - since).total_seconds())
    assert worst > settings.HEALTH_OUTBOX_MAX_AGE


@pytest.mark.django_db
def test_healthz_is_degraded_for_a_day_after_the_outbox_gave_up_on_a_message():
    now = timezone.now()
    message = OutboxMessage.objects.create(
        to=["x@example.kz"], subject="s", body="b", purpose="test", attempts=80,
        created_at=now - timedelta(days=3), available_at=now, failed_at=now)
    assert health.oldest_unsent_message() == message.created_at  # 3 days: "late"
    OutboxMessage.objects.filter(pk=message.pk).update(failed_at=now - timedelta(days=2))
    assert health.oldest_unsent_message() is None
    OutboxMessage.objects.filter(pk=message.pk).update(failed_at=now,
                                                       last_error=outbox.UNSUBSCRIBED)
    assert health.oldest_unsent_message() is None  # not a failure: she unsubscribed


# 3. A hung mail server does not hold the worker -------------------------------------------------

def _receipts(count):
    outbox.queue_templated_emails(
        template="voting/email/receipt", purpose="voting:receipt",
        recipients=[(f"v{i}@example.kz", "ru", RECEIPT) for i in range(count)])


@pytest.mark.django_db
def test_a_drain_stops_at_the_first_timeout(monkeypatch, settings):
    _receipts(5)
    calls = []

    def hung(message):
        calls.append(message.pk)
        raise TimeoutError("timed out")

    monkeypatch.setattr(outbox, "send_one", hung)
    outbox.drain()
    assert len(calls) == 1


@pytest.mark.django_db
def test_a_drain_stops_after_its_time_budget(monkeypatch, settings):
    _receipts(20)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        def slow(message):
            clock.shift(timedelta(seconds=10))

        monkeypatch.setattr(outbox, "send_one", slow)
        sent = outbox.drain()
    assert sent == outbox.DRAIN_SECONDS // 10


@pytest.mark.django_db
def test_two_drains_never_run_at_once(monkeypatch):
    _receipts(1)
    cache.set(outbox.DRAIN_LOCK, "another worker", 60)
    assert outbox.drain() == 0
    cache.delete(outbox.DRAIN_LOCK)
    assert outbox.drain() == 1


# 4. Unsubscribed before it went ------------------------------------------------------------------

@pytest.mark.django_db
def test_mail_to_a_segment_is_not_sent_to_someone_who_unsubscribed_since(monkeypatch):
    message = outbox.queue_email(to=["Aizhan@Example.kz"], subject="Новости", body="Текст",
                                 purpose=segment_mail.PURPOSE)
    other = outbox.queue_email(to=["bolat@example.kz"], subject="Новости", body="Текст",
                               purpose=segment_mail.PURPOSE)
    MailOptOut.objects.create(address_hash=segment_mail.address_hash("aizhan@example.kz"))
    mail.outbox.clear()
    OutboxMessage.objects.filter(pk__in=[message.pk, other.pk]).update(
        sent_at=None, failed_at=None, available_at=timezone.now())
    outbox.drain()
    message.refresh_from_db()
    other.refresh_from_db()
    assert [m.to for m in mail.outbox] == [["bolat@example.kz"]]
    assert message.sent_at is None and message.failed_at and message.attempts == 0
    assert message.last_error == outbox.UNSUBSCRIBED and message.body == ""
    assert not outbox.given_up().filter(pk=message.pk).exists()  # not one for the staff


def test_mail_closed_for_an_unsubscribe_is_no_failure_on_the_dashboard_or_in_the_admin(
        client, make_user):
    from ozgeris import dashboard

    message = outbox.queue_email(to=["aizhan@example.kz"], subject="Новости", body="Текст",
                                 purpose=segment_mail.PURPOSE)
    failed = dashboard.outbox_figure().value
    OutboxMessage.objects.filter(pk=message.pk).update(
        sent_at=None, failed_at=timezone.now(), last_error=outbox.UNSUBSCRIBED)

    assert dashboard.outbox_figure().value == failed
    admin = make_user(email="root@example.kz", is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.cookies["ozgeris_language"] = "en"
    page = client.get(reverse("admin:ozgeris_outboxmessage_changelist"))
    assert "unsubscribed" in page.content.decode() and "Given up" not in page.content.decode()


@pytest.mark.django_db
def test_a_mailbox_refused_for_good_is_given_up_at_once_and_a_busy_one_retried(monkeypatch):
    """A 5xx reply (no such mailbox) will not change in three days: given up at once, so
    /healthz is not "late" for three days over one bad address; a 4xx (mailbox busy) is
    retried. A receipt given up so keeps its code (``outbox_retry``)."""
    import smtplib

    gone, busy = receipt("gone@example.kz"), receipt("busy@example.kz")

    def refuse(message):
        code = 550 if message.to == ["gone@example.kz"] else 450
        raise smtplib.SMTPRecipientsRefused({message.to[0]: (code, b"mailbox")})

    monkeypatch.setattr(outbox, "send_one", refuse)
    outbox.drain()

    gone.refresh_from_db()
    busy.refresh_from_db()
    assert gone.failed_at and gone.attempts == 1 and gone.context == RECEIPT
    assert busy.failed_at is None and busy.available_at > timezone.now()
    assert health.oldest_unsent_message() is not None  # the busy one, failing, counts


@pytest.mark.django_db
def test_a_receipt_given_up_before_receipts_kept_their_code_is_not_mailed_blank():
    """Given up before this change, its context was cleared: queued again (``outbox_retry``,
    or a drain that finds it) it would go out with no code. It is left, and counted."""
    lost = OutboxMessage.objects.create(
        to=["voter@example.kz"], subject="", body="", template="voting/email/receipt",
        context=None, language="ru", purpose="voting:receipt", attempts=8,
        failed_at=timezone.now(), last_error="SMTP down")
    mail.outbox.clear()

    assert outbox.retry() == (0, 1)
    OutboxMessage.objects.filter(pk=lost.pk).update(failed_at=None)  # found by a drain anyway
    outbox.drain()

    assert mail.outbox == []
    lost.refresh_from_db()
    assert lost.failed_at and lost.last_error == outbox.CONTEXT_GONE


@pytest.mark.django_db
def test_mail_committed_while_a_long_drain_runs_is_sent_without_a_beat(monkeypatch):
    """The embedded default has no beat: a drain that stops on its time asks for the next
    one, which sends what another request committed while the lock was taken."""
    for number in range(3):
        outbox.queue_email(to=[f"p{number}@example.kz"], subject="news", body="x",
                           purpose=segment_mail.PURPOSE)
    send_one = outbox.send_one

    def slow(message):
        send_one(message)
        if not OutboxMessage.objects.filter(to=["voter@example.kz"]).exists():
            outbox.queue_email(to=["voter@example.kz"], subject="receipt", body="code",
                               purpose="voting:receipt")
            assert outbox.drain() == 0  # the other request's drain: the lock is taken
            clock.shift(timedelta(seconds=outbox.DRAIN_SECONDS + 1))  # this send was slow

    monkeypatch.setattr(outbox, "send_one", slow)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        outbox.drain()

    assert OutboxMessage.objects.get(to=["voter@example.kz"]).sent_at is not None
