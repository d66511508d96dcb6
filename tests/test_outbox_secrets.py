"""The outbox keeps no secret (issue 15): a password-reset link waits unrendered in the row's
context until it is sent, is cleared then, never shows in the admin (to staff or superusers,
by any of its pages or filters), and the text of other mail goes after OUTBOX_KEEP_SENT_DAYS."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ozgeris import outbox, tasks
from ozgeris.models import OutboxMessage, User

RESET_LINK = re.compile(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)")


@pytest.fixture
def account(make_user):
    return make_user(email="aigerim@example.kz")


def _request_reset(client, account):
    response = client.post(reverse("account_reset_password"), {"email": account.email})
    assert response.status_code == 302
    return OutboxMessage.objects.get(purpose="account:password_reset_key", to=[account.email])


def _secrets(message):
    """The link and the key the queued reset mail will carry."""
    url = message.context["password_reset_url"]
    return [url, url.rstrip("/").rsplit("/", 1)[-1], message.context["key"]]


def _admin_pages(client, message):
    """Every admin page of the outbox a person may open: the list (plain and searched), the
    message and its history."""
    pages = [reverse("admin:ozgeris_outboxmessage_changelist"),
             reverse("admin:ozgeris_outboxmessage_changelist") + "?q=reset",
             reverse("admin:ozgeris_outboxmessage_change", args=[message.pk]),
             reverse("admin:ozgeris_outboxmessage_history", args=[message.pk])]
    return {page: client.get(page) for page in pages}


@pytest.mark.django_db
def test_a_queued_reset_mail_shows_no_link_or_key_in_the_admin(client, account, staff,
                                                               make_user):
    message = _request_reset(client, account)
    secrets = _secrets(message)
    superuser = make_user(email="root@example.kz", is_staff=True, is_superuser=True)

    assert (message.sent_at, message.body, message.html_body) == (None, "", "")  # unrendered
    for person in (staff, superuser):
        client.force_login(person)
        pages = _admin_pages(client, message)
        for page, response in pages.items():
            assert response.status_code == 200, page
            content = response.content.decode()
            assert not [secret for secret in secrets if secret in content], (person, page)
        change = reverse("admin:ozgeris_outboxmessage_change", args=[message.pk])
        assert account.email in pages[change].content.decode()  # who it is for, shown


@pytest.mark.django_db
def test_a_sent_reset_mail_keeps_nothing_and_its_link_still_works(
        client, account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = _request_reset(client, account)

    message.refresh_from_db()
    assert message.sent_at and message.subject  # the record: to whom, what, when
    assert (message.body, message.html_body, message.context) == ("", "", None)
    [sent] = mail.outbox
    assert sent.to == [account.email] and sent.subject == message.subject
    link = RESET_LINK.search(sent.body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(form.redirect_chain[-1][0], {"password1": "Steppe-moon-2031",
                                                     "password2": "Steppe-moon-2031"})
    assert done.status_code == 302
    assert User.objects.get(pk=account.pk).check_password("Steppe-moon-2031")


@pytest.mark.django_db
def test_a_reset_mail_that_fails_is_never_kept_rendered_and_goes_when_given_up(
        client, account, monkeypatch, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    settings.OUTBOX_GIVE_UP_HOURS = 0
    message = _request_reset(client, account)
    context = message.context

    def smtp_down(msg):
        assert RESET_LINK.search(msg.body)  # rendered for the attempt, in memory
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr(outbox, "send_one", smtp_down)
    outbox.drain()
    message.refresh_from_db()
    assert (message.body, message.html_body, message.context) == ("", "", context)

    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
    outbox.drain()
    message.refresh_from_db()
    assert message.failed_at and (message.body, message.context) == ("", None)


@pytest.mark.django_db
def test_the_retention_task_clears_the_text_of_old_mail_only(settings):
    settings.OUTBOX_KEEP_SENT_DAYS = 7
    now = timezone.now()

    def message(**dates):
        return OutboxMessage.objects.create(
            to=["ngo@example.kz"], subject="Заявка принята", body="Рахмет!",
            html_body="<p>Рахмет!</p>", template="t", context={"receipt": "ABCD"},
            purpose="test", **dates)

    old_sent = message(sent_at=now - timedelta(days=8))
    old_failed = message(failed_at=now - timedelta(days=8))
    recent = message(sent_at=now - timedelta(days=6))
    waiting = message(created_at=now - timedelta(days=30))

    assert tasks.forget_sent_mail() == 1
    assert tasks.forget_sent_mail() == 0

    def kept(row):
        row.refresh_from_db()
        return (row.subject, row.body, row.html_body, row.context)

    assert kept(old_sent) == ("Заявка принята", "", "", None)
    # Given up: kept whole until outbox_retry queues it again and it is sent.
    assert kept(recent) == kept(waiting) == kept(old_failed) == (
        "Заявка принята", "Рахмет!", "<p>Рахмет!</p>", {"receipt": "ABCD"})
    assert settings.CELERY_BEAT_SCHEDULE["forget-sent-mail"]["task"] == (
        "ozgeris.tasks.forget_sent_mail")


@pytest.mark.django_db
def test_no_admin_url_reaches_a_message_text(client, account, staff):
    """Not the pages, not a delete or an action, not a filter that would tell, by the rows it
    matches, whether the text or the context starts with a guess."""
    reset = _request_reset(client, account)
    key = reset.context["key"]
    letter = outbox.queue_email(to=["ngo@example.kz"], subject="Решение жюри",
                                body="SECRET-BODY-1234", html_body="<p>SECRET-HTML</p>")
    changelist = reverse("admin:ozgeris_outboxmessage_changelist")
    client.force_login(staff)

    for page, response in _admin_pages(client, letter).items():
        content = response.content.decode()
        assert response.status_code == 200 and "SECRET" not in content, page
    delete = client.get(reverse("admin:ozgeris_outboxmessage_delete", args=[letter.pk]))
    action = client.post(changelist, {"action": "delete_selected",
                                      "_selected_action": [letter.pk, reset.pk]})
    guesses = [client.get(changelist, {lookup: value}) for lookup, value in [
        ("body__startswith", "SECRET"), ("html_body__contains", "SECRET"),
        ("context__key__startswith", key[:1]), ("context__icontains", key)]]

    assert delete.status_code == 403
    assert action.status_code in (200, 302) and "SECRET" not in action.content.decode()
    assert OutboxMessage.objects.filter(pk__in=[letter.pk, reset.pk]).count() == 2
    assert [guess.status_code for guess in guesses] == [400] * 4
    assert client.get(changelist, {"purpose": "account:password_reset_key"}).status_code == 200
