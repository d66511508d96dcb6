"""One account, one counter of failed logins: five wrong passwords lock the account's sign-in for
five minutes (ACCOUNT_RATE_LIMITS' ``login_failed``, per key) whatever Host header, spelling of
the mailbox or address each attempt comes with (ozgeris.accounts.AccountAdapter)."""

import pytest
from django.urls import reverse

from ozgeris.accounts import AccountAdapter

PASSWORD = "Correct-horse-7"  # tests/conftest.py's make_user
TOO_MANY = "Too many failed login attempts"


def _sign_in(client, email, password, host, address):
    """One attempt from its own ``address`` (each under the per-address limit), so only the
    account's own counter can stop the last one."""
    return client.post(reverse("account_login"), {"login": email, "password": password},
                       HTTP_HOST=host, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")


def _five_wrong_then_the_right_one(client, tries, last):
    pages = [_sign_in(client, login, "wrong", host, f"203.0.113.{attempt + 1}")
             .content.decode() for attempt, (login, host) in enumerate(tries)]
    login, host = last
    final = _sign_in(client, login, PASSWORD, host, "203.0.113.50")
    return pages, final


@pytest.mark.django_db
@pytest.mark.parametrize("vary_port", [False, True], ids=["same-host", "port-per-try"])
def test_an_accounts_failed_login_limit_holds_whatever_port_the_host_names(
        client, make_user, vary_port):
    make_user(email="target@example.kz")
    tries = [("target@example.kz", f"testserver:{attempt + 1}" if vary_port else "testserver")
             for attempt in range(5)]

    pages, final = _five_wrong_then_the_right_one(
        client, tries, ("target@example.kz", "testserver:99" if vary_port else "testserver"))

    assert [TOO_MANY in page for page in pages] == [False] * 5
    assert TOO_MANY in final.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize(("registered", "spellings", "last"), [
    ("target@example.kz",
     ["TARGET@Example.kz", "Target@example.KZ", "target@EXAMPLE.kz", " target@example.kz",
      "tArGeT@eXaMpLe.Kz"],
     "target@example.kz"),
    ("target@gmail.com",
     ["t.arget@gmail.com", "ta.rget@googlemail.com", "target+1@gmail.com", "TARGET+2@GMail.com",
      "t.a.r.g.e.t@gmail.com"],
     "tar.get+last@googlemail.com"),
], ids=["case", "gmail-spellings"])
def test_every_spelling_of_the_mailbox_counts_against_the_same_account(
        client, make_user, registered, spellings, last):
    make_user(email=registered)

    pages, final = _five_wrong_then_the_right_one(
        client, [(spelling, "testserver") for spelling in spellings], (last, "testserver"))

    assert [TOO_MANY in page for page in pages] == [False] * 5
    assert TOO_MANY in final.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_another_spelling_of_a_gmail_mailbox_has_its_password_checked_against_the_account(
        client, make_user):
    """Why the spellings above share a counter: each is a guess at the account's password.
    The right one passes (allauth then asks to confirm the address typed), a wrong one does
    not: without a shared counter, every spelling would be five more guesses."""
    make_user(email="target@gmail.com")

    wrong = _sign_in(client, "T.arget+news@GoogleMail.com", "wrong", "testserver",
                     "203.0.113.1")
    right = _sign_in(client, "T.arget+news@GoogleMail.com", PASSWORD, "testserver",
                     "203.0.113.2")

    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert right.status_code == 302 and right.url == reverse("account_email_verification_sent")


@pytest.mark.django_db
def test_the_counter_is_keyed_on_the_portal_and_the_canonical_mailbox(rf, settings):
    settings.PORTAL_URL = "https://ozgeris.kz"
    adapter = AccountAdapter()

    keys = {adapter._get_login_attempts_cache_key(rf.get("/", HTTP_HOST=host), email=login)
            for host, login in [("ozgeris.kz", "target@gmail.com"),
                                ("ozgeris.kz:1", "T.arget@gmail.com"),
                                ("ozgeris.kz", "TARGET@GMAIL.COM"),
                                ("www.ozgeris.kz:8443", "target+x@googlemail.com")]}

    assert keys == {"ozgeris.kz:target@gmail.com"}


@pytest.mark.django_db
def test_a_password_reset_lifts_the_lock_it_shares_the_key_with(client, make_user):
    """allauth clears the account's counter after a reset (with the address as registered):
    the same key as the attempts', whatever spelling and host they used."""
    from allauth.account.adapter import get_adapter
    from django.test import RequestFactory

    make_user(email="target@gmail.com")
    for attempt, host in enumerate(["testserver:1", "testserver:2", "testserver", "testserver:3",
                                    "testserver:4"]):
        _sign_in(client, f"t.arget+{attempt}@gmail.com", "wrong", host, f"203.0.113.{attempt}")
    assert TOO_MANY in _sign_in(client, "target@gmail.com", PASSWORD, "testserver",
                                "203.0.113.50").content.decode()

    get_adapter()._delete_login_attempts_cached_email(
        RequestFactory().get("/", HTTP_HOST="testserver:7"), email="target@gmail.com")
    _sign_in(client, "target@gmail.com", PASSWORD, "testserver", "203.0.113.51")

    assert "_auth_user_id" in client.session
