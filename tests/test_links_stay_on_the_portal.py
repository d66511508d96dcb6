"""Links the portal hands out stay on the portal: account mail links to PORTAL_URL whatever
Host the request named (a client chooses it), and revoking a calendar address goes back only
to a path, never to a URL name someone put in ``next``."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from ozgeris import checks
from ozgeris.accounts import on_portal
from tests.factories import seat

pytestmark = pytest.mark.django_db
PORTAL = "https://ozgeris.example"
FORGED = "forged.example"
PASSWORD = "Steppe-sunrise-2019"
LINK = re.compile(r"https?://[^\s\"'<>]+")


def _sign_up(client, email):
    return client.post(reverse("account_signup"), {
        "display_name": "Айгерім Қасымова", "email": email, "password1": PASSWORD,
        "password2": PASSWORD, "consent": "on"}, HTTP_HOST=FORGED)


def _reset(client, email):
    return client.post(reverse("account_reset_password"), {"email": email}, HTTP_HOST=FORGED)


# Each account mail that carries a link, asked for with a forged Host: (what is asked, the
# address it is asked for, the path its link must lead to).
MAILS = {
    "password reset": (_reset, "aigerim@example.kz", "/accounts/password/reset/key/"),
    "unknown account": (_reset, "nobody@example.kz", "/accounts/signup/"),
    "sign-up confirmation": (_sign_up, "new@example.kz", "/accounts/confirm-email/"),
    "account exists": (_sign_up, "aigerim@example.kz", "/accounts/password/reset/"),
}


@pytest.mark.parametrize("kind", MAILS)
def test_account_mail_links_to_the_portal_whatever_host_was_asked(
        kind, client, make_user, settings, django_capture_on_commit_callbacks):
    settings.ALLOWED_HOSTS = ["*"]
    settings.PORTAL_URL = PORTAL
    make_user(email="aigerim@example.kz")
    ask, email, path = MAILS[kind]

    with django_capture_on_commit_callbacks(execute=True):
        assert ask(client, email).status_code == 302

    [sent] = [message for message in mail.outbox if message.to == [email]]
    text = "\n".join([sent.subject, sent.body,
                      *(body for body, _type in getattr(sent, "alternatives", []))])
    assert "forged" not in text
    links = LINK.findall(text)
    assert any(link.startswith(f"{PORTAL}{path}") for link in links), links
    assert all(link.startswith(f"{PORTAL}/") for link in links), links
    assert sent.body.strip().splitlines()[-1] == "ozgeris.example"  # the signature's address


def test_a_link_moved_onto_the_portal_keeps_its_query_and_fragment_and_moves_once(settings):
    settings.PORTAL_URL = PORTAL
    moved = on_portal("http://forged.example/accounts/confirm-email/Mg:x/?next=/a#top")
    assert moved == f"{PORTAL}/accounts/confirm-email/Mg:x/?next=/a#top"
    assert on_portal(moved) == moved
    assert on_portal(None) is None and on_portal("") == ""


@pytest.mark.parametrize(("address", "refused"), [
    ("https://ozgeris.kz", False), ("http://127.0.0.1:8000", False),
    ("https://ozgeris.kz/portal", True), ("ozgeris.kz", True), ("https://ozgeris.kz?x=1", True)])
def test_portal_url_must_be_an_origin(address, refused, settings):
    settings.PORTAL_URL = address
    assert bool(checks.portal_url_is_an_origin(None)) is refused


# Revoking a calendar address ------------------------------------------------------------


@pytest.mark.parametrize("asked", ["calendar_personal", "staff_dashboard", "home",
                                   "https://evil.example/", "//evil.example/"])
def test_revoking_never_follows_a_url_name_or_another_site(asked, client, make_user):
    client.force_login(make_user(email="member@example.kz"))

    answer = client.post(reverse("calendar_revoke"), {"next": asked})

    assert answer.status_code == 302
    assert answer["Location"] == reverse("applications:dashboard")  # it shows the new address


def test_a_juror_goes_back_to_their_panel_and_a_page_of_the_portal_is_kept(
        client, open_programme, make_user):
    member = make_user(email="asel@example.kz")
    seat(open_programme, member)
    client.force_login(member)

    default = client.post(reverse("calendar_revoke"), {"next": "calendar_personal"})
    kept = client.post(reverse("calendar_revoke"), {"next": "/apply/?tab=calendar"})

    assert default["Location"] == reverse("jury_panel:index")
    assert kept["Location"] == "/apply/?tab=calendar"


def test_revoking_needs_the_forms_csrf_token(make_user):
    member = make_user(email="member@example.kz")
    before = member.calendar_feed_version
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    refused = client.post(reverse("calendar_revoke"), {"next": "/"})

    assert refused.status_code == 403
    member.refresh_from_db()
    assert member.calendar_feed_version == before  # nothing revoked (the token is timestamped)
