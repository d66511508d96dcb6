"""The outbox: mail leaves after the commit, once; a rollback sends nothing; failures retry."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from ozgeris import outbox
from ozgeris.models import OutboxMessage


def queue(subject="Заявка принята — ә ғ қ ң ө ұ ү һ і"):
    return outbox.queue_email(
        to=["ngo@example.kz"], subject=subject, body="Рахмет!", purpose="test"
    )


@pytest.mark.django_db
def test_a_queued_email_is_sent_after_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = queue()
        assert mail.outbox == []

    message.refresh_from_db()
    assert message.sent_at is not None
    assert [m.subject for m in mail.outbox] == ["Заявка принята — ә ғ қ ң ө ұ ү һ і"]


@pytest.mark.django_db
def test_a_rolled_back_change_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                queue()
                raise RuntimeError("the service refused")
        except RuntimeError:
            pass

    assert not OutboxMessage.objects.filter(purpose="test").exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_draining_twice_sends_each_message_once():
    queue()
    queue("second")

    assert outbox.drain() == 2
    assert outbox.drain() == 0
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_failed_send_is_retried_later_and_then_sent(monkeypatch):
    message = queue()
    calls = {"n": 0}
    real_send = outbox.send_one

    def flaky(msg):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionRefusedError("SMTP down")
        real_send(msg)

    monkeypatch.setattr(outbox, "send_one", flaky)

    assert outbox.drain() == 0
    message.refresh_from_db()
    assert message.attempts == 1
    assert "SMTP down" in message.last_error
    assert message.available_at > timezone.now()
    assert outbox.drain() == 0  # not due yet

    OutboxMessage.objects.filter(pk=message.pk).update(
        available_at=timezone.now() - timedelta(seconds=1)
    )
    assert outbox.drain() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_message_that_keeps_failing_is_given_up_after_the_limit(monkeypatch, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    settings.OUTBOX_GIVE_UP_HOURS = 0
    message = queue()

    def broken(msg):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr(outbox, "send_one", broken)
    outbox.drain()
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
    outbox.drain()

    message.refresh_from_db()
    assert message.failed_at is not None
    assert OutboxMessage.objects.due().count() == 0


@pytest.mark.django_db
def test_a_broker_outage_when_requesting_the_drain_loses_nothing(
    monkeypatch, django_capture_on_commit_callbacks
):
    from ozgeris import tasks

    def broker_down(**options):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.drain_outbox, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        message = queue()

    message.refresh_from_db()
    assert message.sent_at is None
    assert tasks.drain_outbox() == 1  # the periodic drain
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_message_rendered_later_is_rendered_once_in_its_language_when_sent():
    [message] = outbox.queue_templated_emails(
        template="voting/email/receipt", purpose="voting:receipt", recipients=[(
            "voter@example.kz", "kk", {"programme_title": "Сыйлық 2031", "receipt": "ABCD-EFGH",
                                       "check_url": "https://example.kz/vote/receipt/"})])
    assert (message.subject, message.body) == ("", "")

    outbox.drain()

    message.refresh_from_db()
    assert message.sent_at and "Сыйлық 2031" in message.subject
    assert len(mail.outbox) == 1 and "ABCD-EFGH" in mail.outbox[0].body
    assert "түбіртегі" in mail.outbox[0].subject  # Kazakh, not Russian
    # A receipt is a secret: once sent, the portal keeps neither its text nor its context.
    assert (message.body, message.context) == ("", None)
