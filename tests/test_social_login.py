"""The social flow, offline: a provider's profile is fed to allauth as if the OAuth dance happened.

A social sign-up passes through our form (consent to personal data processing).
Google tells us whether it verified the address; Facebook, Mail.ru and VK do not,
so their addresses must be verified by us before the account counts as verified.
"""

import pytest
from allauth.account.models import EmailAddress
from allauth.core import context
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import complete_social_login
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core import mail
from django.test import RequestFactory, override_settings
from django.urls import reverse

from ozgeris.models import User
from ozgeris.permissions import can_vote

APPS = {
    name: {"APPS": [{"client_id": f"{name}-id", "secret": f"{name}-secret", "key": ""}]}
    for name in ("google", "facebook", "mailru", "vk", "yandex")
}

PROFILES = {
    "google": {"id": "g-1", "email": "aizhan@gmail.com", "email_verified": True,
               "name": "Айжан"},
    "facebook": {"id": "fb-1", "email": "aizhan.fb@example.kz", "name": "Айжан"},
    "mailru": {"uid": "m-1", "email": "aizhan@mail.ru", "first_name": "Айжан"},
    "vk": {"id": 101, "user_id": 101, "email": "aizhan.vk@example.kz", "first_name": "Айжан",
           "last_name": "Б"},
}


def social_callback(client, provider_id, data):
    """What allauth does when the provider redirects back, in the test client's session."""
    request = RequestFactory().get("/accounts/social/callback/")
    SessionMiddleware(lambda r: None).process_request(request)
    MessageMiddleware(lambda r: None).process_request(request)
    request.user = AnonymousUser()
    with context.request_context(request):
        provider = get_adapter(request).get_provider(request, provider_id)
        sociallogin = provider.sociallogin_from_response(request, data)
        response = complete_social_login(request, sociallogin)
    request.session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = request.session.session_key
    return response


def social_signup(client, provider_id, data, consent=True):
    response = social_callback(client, provider_id, data)
    assert response.url == reverse("socialaccount_signup")
    form = {"email": data["email"]}
    if consent:
        form["consent"] = "on"
    return client.post(reverse("socialaccount_signup"), form, HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.django_db
@override_settings(SOCIALACCOUNT_PROVIDERS=APPS)
def test_google_with_a_verified_email_gives_a_verified_account_that_can_vote(client):
    social_signup(client, "google", PROFILES["google"])

    user = User.objects.get(email="aizhan@gmail.com")
    assert user.personal_data_consent_at is not None
    assert user.has_verified_email
    assert can_vote(user)
    assert mail.outbox == []


@pytest.mark.django_db
@override_settings(SOCIALACCOUNT_PROVIDERS=APPS)
@pytest.mark.parametrize("provider_id", ["facebook", "mailru", "vk"])
def test_providers_that_do_not_verify_email_need_our_verification(
    client, provider_id, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = social_signup(client, provider_id, PROFILES[provider_id])

    user = User.objects.get(email=PROFILES[provider_id]["email"])
    assert not user.has_verified_email
    assert not can_vote(user)
    assert response.url == reverse("account_email_verification_sent")
    assert [message.to for message in mail.outbox] == [[user.email]]


@pytest.mark.django_db
@override_settings(SOCIALACCOUNT_PROVIDERS=APPS)
def test_a_social_signup_needs_consent(client):
    response = social_signup(client, "google", PROFILES["google"], consent=False)

    assert response.status_code == 200
    assert not User.objects.filter(email="aizhan@gmail.com").exists()


@pytest.mark.django_db
@override_settings(SOCIALACCOUNT_PROVIDERS=APPS)
@pytest.mark.parametrize("email", ["aizhan@gmail.com", "Ai.Zhan+social@googlemail.com"])
def test_a_social_signup_with_a_registered_mailbox_makes_no_account_and_tells_nobody(
    client, make_user, email, django_capture_on_commit_callbacks
):
    """Answered like a new sign-up (ACCOUNT_PREVENT_ENUMERATION), whatever the spelling: the
    form is open to anyone with a provider's account, who may type any address into it."""
    make_user(email="aizhan@gmail.com")
    profile = dict(PROFILES["google"], email=email, id="g-2")
    accounts = User.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = social_signup(client, "google", profile)

    assert response.url == reverse("account_email_verification_sent")
    assert User.objects.count() == accounts
    assert [message.to for message in mail.outbox] == [["aizhan@gmail.com"]]  # the owner


@pytest.mark.django_db
@override_settings(SOCIALACCOUNT_PROVIDERS=APPS)
def test_a_providers_address_that_is_a_registered_mailbox_is_not_kept_for_a_new_account(
    client, make_user
):
    """The visitor types another address than the provider's, a spelling of a registered
    mailbox: the account is made with the typed one, and the provider's verified address is
    left out (allauth would make it the login: two accounts on one mailbox, a server error on
    the unique column)."""
    make_user(email="ivanpetrov@gmail.com")
    social_callback(client, "google", dict(PROFILES["google"], email="ivan.petrov@gmail.com",
                                           id="g-9"))

    response = client.post(reverse("socialaccount_signup"),
                           {"email": "somebody-else@example.kz", "consent": "on"})

    assert response.status_code == 302
    user = User.objects.get(email="somebody-else@example.kz")
    assert list(EmailAddress.objects.filter(user=user).values_list("email", flat=True)) == [
        "somebody-else@example.kz"]
    assert not user.has_verified_email
    assert User.objects.filter(canonical_email="ivanpetrov@gmail.com").count() == 1


@pytest.mark.django_db
def test_no_provider_button_appears_without_credentials(client):
    page = client.get(reverse("account_login")).content.decode()
    assert "/accounts/google/login/" not in page


@pytest.mark.django_db
@override_settings(SOCIALACCOUNT_PROVIDERS={"google": APPS["google"]})
def test_a_provider_button_appears_when_its_credentials_are_configured(client):
    page = client.get(reverse("account_login")).content.decode()
    assert "/accounts/google/login/" in page
    assert "/accounts/vk/login/" not in page
