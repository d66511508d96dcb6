"""Sign-up: consent, canonical-email duplicates (answered like a new sign-up), disposable
domains, mandatory verification."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from ozgeris.models import OutboxMessage, User

PASSWORD = "Steppe-sunrise-2019"


def signup(client, email, consent=True, language="en"):
    data = {
        "display_name": "Айгерім Қасымова",
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    if consent:
        data["consent"] = "on"
    return client.post(reverse("account_signup"), data, HTTP_ACCEPT_LANGUAGE=language)


@pytest.mark.django_db
def test_signup_creates_an_unverified_account_and_sends_a_verification_email(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client, "aigerim@example.kz")

    assert response.status_code == 302
    user = User.objects.get(email="aigerim@example.kz")
    assert user.display_name == "Айгерім Қасымова"
    assert user.personal_data_consent_at is not None
    assert not user.has_verified_email
    assert len(mail.outbox) == 1
    assert "aigerim@example.kz" in mail.outbox[0].to
    assert OutboxMessage.objects.get(to=["aigerim@example.kz"]).purpose == (
        "account:email_confirmation_signup")


@pytest.mark.django_db
def test_login_before_verification_is_held_at_the_verification_page(client):
    signup(client, "aigerim@example.kz")
    client.logout()

    response = client.post(
        reverse("account_login"), {"login": "aigerim@example.kz", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_following_the_verification_link_verifies_and_logs_in(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signup(client, "aigerim@example.kz")
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    path = urlsplit(link.group(0)).path  # the link is on PORTAL_URL

    response = client.post(path)

    assert response.status_code == 302
    user = User.objects.get(email="aigerim@example.kz")
    assert user.has_verified_email
    assert client.session["_auth_user_id"] == str(user.pk)


def sign_up_and_follow(email, capture):
    """A fresh visitor signs up with ``email``: the answer and the page it leads to."""
    client = Client()
    with capture(execute=True):
        answer = signup(client, email)
    return answer, client.get(answer.url, HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.django_db
@pytest.mark.parametrize("taken", ["ab@gmail.com", "a.b+x@gmail.com", "AB@googlemail.com"])
def test_signing_up_with_a_registered_mailbox_looks_like_any_sign_up(
    make_user, taken, django_capture_on_commit_callbacks
):
    """ACCOUNT_PREVENT_ENUMERATION: the address (or another spelling of its mailbox) answers
    exactly as a new one does, and only the mailbox's owner hears of it."""
    make_user(email="ab@gmail.com")
    capture = django_capture_on_commit_callbacks

    new_answer, new_page = sign_up_and_follow("nurlan@example.kz", capture)
    taken_answer, taken_page = sign_up_and_follow(taken, capture)

    assert (taken_answer.status_code, taken_answer.url) == (new_answer.status_code,
                                                            new_answer.url)
    assert [t.name for t in taken_page.templates] == [t.name for t in new_page.templates]
    assert (taken_page.content.decode().replace(taken.lower(), "ADDRESS")
            == new_page.content.decode().replace("nurlan@example.kz", "ADDRESS"))
    assert User.objects.filter(canonical_email="ab@gmail.com").count() == 1
    told = OutboxMessage.objects.get(purpose="account:account_already_exists")
    assert told.to == ["ab@gmail.com"]
    assert any(message.to == ["ab@gmail.com"] and reverse("account_reset_password") in
               message.body for message in mail.outbox)


@pytest.mark.django_db
def test_signup_refuses_a_disposable_domain_with_a_message(client):
    response = signup(client, "throwaway@mailinator.com")

    assert response.status_code == 200
    assert "temporary mailbox" in response.content.decode()
    assert not User.objects.filter(email="throwaway@mailinator.com").exists()


@pytest.mark.django_db
def test_signup_refusals_are_in_the_users_language(client):
    russian = signup(client, "throwaway@mailinator.com", language="ru").content.decode()
    kazakh = signup(client, "throwaway@mailinator.com", language="kk").content.decode()

    assert "временных" in russian
    assert "уақытша" in kazakh.lower()


@pytest.mark.django_db
def test_signup_without_consent_is_refused(client):
    response = signup(client, "aigerim@example.kz", consent=False)

    assert response.status_code == 200
    assert "consent" in response.content.decode()
    assert not User.objects.filter(email="aigerim@example.kz").exists()


@pytest.mark.django_db
def test_signup_page_links_to_the_privacy_notice(client):
    response = client.get(reverse("account_signup"))

    assert reverse("privacy") in response.content.decode()


@pytest.mark.django_db
def test_the_database_refuses_two_accounts_for_one_canonical_email(make_user):
    from django.db import IntegrityError, transaction

    make_user(email="ab@gmail.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="a.b+promo@gmail.com", password=PASSWORD)


@pytest.mark.django_db
def test_failed_logins_are_rate_limited(client, make_user):
    make_user(email="voter@example.kz")
    pages = [
        client.post(
            reverse("account_login"),
            {"login": "voter@example.kz", "password": "wrong"},
            HTTP_ACCEPT_LANGUAGE="en",
        ).content.decode()
        for _ in range(6)
    ]

    assert "Too many failed login attempts" not in pages[0]
    assert "Too many failed login attempts" in pages[-1]
    # Even the right password is refused until the limit resets.
    response = client.post(
        reverse("account_login"), {"login": "voter@example.kz", "password": "Correct-horse-7"}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


@pytest.mark.django_db
def test_verified_flag_comes_from_the_email_address_record(make_user):
    user = make_user(email="voter@example.kz", verified=False)
    assert not user.has_verified_email
    EmailAddress.objects.filter(user=user).update(verified=True)
    assert user.has_verified_email


@pytest.mark.django_db
def test_the_verification_email_is_in_the_language_of_the_sign_up(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signup(client, "aigerim@example.kz", language="kk")

    message = OutboxMessage.objects.get(to=["aigerim@example.kz"])
    assert message.language == "kk"
    assert "пошта" in mail.outbox[0].body.lower()
