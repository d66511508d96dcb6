"""django-allauth's strings in Kazakh. allauth ships no Kazakh catalogue: every message of its
that a person of the portal sees has its Kazakh in vendor_locale/kk (or, for a few words the
portal's own templates share, in locale/kk); without it Django shows LANGUAGE_CODE's Russian.
An allauth upgrade that brings a shown message without Kazakh turns the first test red.

"Shown" is read from allauth's English catalogue, which lists every message of the installed
version with the files it comes from: a message counts unless each of its files is one the
portal never uses (an allauth app it does not install, a second factor it does not offer, a
template its own overrides)."""

import re
import shutil
from pathlib import Path

import allauth
import polib
import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa import app_settings as mfa_settings
from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse

from ozgeris.accounts import render_account_mail

from .extraction import extract_messages

ROOT = Path(__file__).resolve().parent.parent
ALLAUTH = Path(allauth.__file__).parent
ALLAUTH_TEMPLATES = ALLAUTH / "templates"
ENGLISH = ALLAUTH / "locale/en/LC_MESSAGES/django.po"
RUSSIAN = ALLAUTH / "locale/ru/LC_MESSAGES/django.po"
OUR_KAZAKH = [ROOT / "locale/kk/LC_MESSAGES/django.po",
              ROOT / "vendor_locale/kk/LC_MESSAGES/django.po"]
EXTENDS = re.compile(r"""{%\s*extends\s+["']([^"']+)["']""")


def apps_not_installed():
    """The folders of allauth's apps (a folder with apps.py) that INSTALLED_APPS leaves out:
    headless, idp/oidc, usersessions. Their code and their templates (templates/idp/oidc,
    templates/usersessions) never run."""
    return {path.parent.relative_to(ALLAUTH).as_posix() for path in ALLAUTH.rglob("apps.py")
            if ".".join(("allauth", *path.parent.relative_to(ALLAUTH).parts))
            not in settings.INSTALLED_APPS}


APPS_NOT_INSTALLED = apps_not_installed()
# Names allauth proposes for a new security key (MFAAdapter.generate_authenticator_name, which
# only the WebAuthn forms call).
SECURITY_KEY_NAMES = {"Master key", "Backup key", "Key nr. {number}"}
# Inside {% if MFA_RECOVERY_CODES_SHOW_ONCE %} of mfa/messages/recovery_codes_generated.txt.
SHOW_ONCE_WARNING = "Save them  in a secure location now — they won't be shown again."


def translated_keys(path):
    return {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(path))
            if entry.translated() and not entry.obsolete}


def ours(template):
    """True when the portal's template (templates/ or an app of ours) replaces allauth's."""
    try:
        origin = Path(get_template(template).origin.name)
    except TemplateDoesNotExist:
        return False
    return ALLAUTH_TEMPLATES not in origin.parents


def only_a_parent_of_ours(template):
    """A base template (mfa/totp/base.html) that allauth's own pages extend and no view renders:
    unused once the portal overrides every page that extends it."""
    if not template.endswith("/base.html"):
        return False
    children = [path.relative_to(ALLAUTH_TEMPLATES).as_posix()
                for path in ALLAUTH_TEMPLATES.rglob("*.*")
                if template in EXTENDS.findall(path.read_text(encoding="utf-8"))]
    return bool(children) and all(ours(child) or only_a_parent_of_ours(child)
                                  for child in children)


def never_runs(source):
    """``source`` is a file named in allauth's catalogue: ``mfa/adapter.py`` or
    ``templates/mfa/index.html``."""
    is_template = source.startswith("templates/")
    path = source.removeprefix("templates/")
    if any(path.startswith(f"{folder}/") for folder in APPS_NOT_INSTALLED):
        return True
    if "webauthn" in path and "webauthn" not in mfa_settings.SUPPORTED_TYPES:
        return True
    if path == "mfa/trust.html" and not mfa_settings._TRUST_STAGE_ENABLED:
        return True
    return is_template and (ours(path) or only_a_parent_of_ours(path))


def never_shown(entry):
    if entry.msgid in SECURITY_KEY_NAMES and "webauthn" not in mfa_settings.SUPPORTED_TYPES:
        return True
    if entry.msgid == SHOW_ONCE_WARNING and not mfa_settings.RECOVERY_CODES_SHOW_ONCE:
        return True
    return bool(entry.occurrences) and all(never_runs(source) for source, _line in
                                           entry.occurrences)


def allauth_messages():
    return [entry for entry in polib.pofile(str(ENGLISH)) if entry.msgid and not entry.obsolete]


def test_every_message_of_allauth_the_portal_shows_has_kazakh():
    shown = {(entry.msgctxt, entry.msgid) for entry in allauth_messages()
             if not never_shown(entry)}
    assert len(shown) > 250, "allauth's catalogue lost its file references: revisit this test"
    kazakh = set().union(*(translated_keys(path) for path in OUR_KAZAKH))
    assert sorted(shown - kazakh, key=str) == []


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs GNU gettext (.ci/run has it)")
def test_allauths_english_catalogue_lists_every_message_the_portal_shows(
        tmp_path, monkeypatch, settings):
    """The test above trusts allauth's English catalogue to list the installed version's
    messages; a release whose catalogue lags its source would slip a message past it. The
    messages are extracted afresh, through links to allauth's folders (not its locale/, which
    makemessages would write into), the way test_translations reads the portal's."""
    extracted = extract_messages(ALLAUTH, skip={"locale", "__pycache__"}, language="en",
                                 tmp_path=tmp_path, monkeypatch=monkeypatch, settings=settings)
    assert len(extracted) > 300  # the walk found the sources

    listed = {(entry.msgctxt, entry.msgid) for entry in allauth_messages()}
    unlisted = [entry.msgid for entry in extracted
                if (entry.msgctxt, entry.msgid) not in listed and not never_shown(entry)]
    assert unlisted == []


@pytest.mark.parametrize("message, why", [
    ("Headless", "allauth.headless is not installed"),
    ("Sign Out Other Sessions", "allauth.usersessions is not installed"),
    ("Authorize", "allauth.idp is not installed"),
    ("Security Keys", "MFA_SUPPORTED_TYPES has no webauthn"),
    ("Master key", "MFA_SUPPORTED_TYPES has no webauthn"),
    ("Trust this Browser?", "MFA_TRUST_ENABLED is off"),
    (SHOW_ONCE_WARNING, "MFA_RECOVERY_CODES_SHOW_ONCE is off"),
    ("Authenticator App", "our mfa templates replace allauth's (and its mfa/totp/base.html)"),
    ("You are about to generate a new set of recovery codes for your account.",
     "our templates/mfa/recovery_codes/generate.html replaces allauth's"),
])
def test_a_message_the_portal_never_shows_is_told_apart(message, why):
    """The reasons the first test accepts a message without Kazakh, one example each: had the
    rules been too broad, these would pass while the portal showed the message."""
    entry = next(entry for entry in allauth_messages() if entry.msgid == message)
    assert never_shown(entry), why


@pytest.mark.parametrize("message", [
    "The email address and/or password you specified are not correct.",
    "You must type the same password each time.",
    "Confirm Email Address",
    "Password Reset",
    "Incorrect code.",
    "Recovery codes",  # the label of the authenticator's type, on the admin's pages
])
def test_a_message_the_portal_shows_is_not_excused(message):
    entry = next(entry for entry in allauth_messages() if entry.msgid == message)
    assert not never_shown(entry)


# ---------------------------------------------------------------------------
# allauth's pages, errors, messages and mail, rendered in Kazakh
# ---------------------------------------------------------------------------

def russian_phrases():
    """allauth's Russian sentences (their longest stretch between placeholders): one of them on a
    Kazakh page is a message that fell back to LANGUAGE_CODE."""
    phrases = set()
    for entry in polib.pofile(str(RUSSIAN)):
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            stretches = re.split(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|<[^>]+>|\n", text)
            longest = max(stretches, key=len).strip() if stretches else ""
            if len(longest) >= 12 and re.search("[а-яё]", longest):
                phrases.add(longest)
    return phrases


RUSSIAN_PHRASES = russian_phrases()


def russian_on(page):
    return sorted(phrase for phrase in RUSSIAN_PHRASES if phrase in page)


SAME_PASSWORD_TWICE = "Құпиясөзді екі рет бірдей енгізуіңіз керек."


@pytest.fixture
def kazakh(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    return client


@pytest.fixture
def person(make_user):
    return make_user(email="aigerim@example.kz", password="Correct-horse-7")


@pytest.fixture
def signed_in(kazakh, person):
    kazakh.force_login(person)
    return kazakh


def page(response):
    assert response.status_code == 200
    return response.content.decode()


def assert_in_kazakh(response, *expected):
    """The page answered, says each ``expected`` Kazakh sentence, and no Russian one."""
    html = page(response)
    assert [sentence for sentence in expected if sentence not in html] == []
    assert russian_on(html) == []


@pytest.mark.django_db
def test_a_wrong_password_on_signing_in_is_refused_in_kazakh(kazakh, person):
    response = kazakh.post(reverse("account_login"),
                           {"login": "aigerim@example.kz", "password": "Wrong-horse-7"})

    assert_in_kazakh(
        response, "Сіз көрсеткен электрондық пошта мекенжайы және/немесе құпиясөз қате.")


@pytest.mark.django_db
def test_mismatched_passwords_on_signing_up_are_refused_in_kazakh(kazakh):
    response = kazakh.post(reverse("account_signup"), {
        "display_name": "Айгерім", "email": "new@example.kz", "consent": "on",
        "password1": "Steppe-sunrise-2019", "password2": "Steppe-sunset-2019"})

    assert_in_kazakh(response, SAME_PASSWORD_TWICE)


@pytest.mark.django_db
def test_mismatched_passwords_on_a_password_reset_are_refused_in_kazakh(kazakh, person):
    key = default_token_generator.make_token(person)
    link = reverse("account_reset_password_from_key",
                   kwargs={"uidb36": user_pk_to_url_str(person), "key": key})
    form = kazakh.get(link, follow=True)  # allauth keeps the key in the session and redirects
    assert_in_kazakh(form, "Құпиясөзді өзгерту")

    response = kazakh.post(form.redirect_chain[-1][0], {
        "password1": "Steppe-sunrise-2019", "password2": "Steppe-sunset-2019"})

    assert_in_kazakh(response, SAME_PASSWORD_TWICE)


@pytest.mark.django_db
def test_the_email_confirmation_page_is_in_kazakh(kazakh, make_user):
    user = make_user(email="aigerim@example.kz", verified=False)
    key = EmailConfirmationHMAC(EmailAddress.objects.get(user=user)).key

    response = kazakh.get(reverse("account_confirm_email", args=[key]))

    assert_in_kazakh(response, "Электрондық пошта мекенжайын растау")


@pytest.mark.django_db
@pytest.mark.parametrize("name, args", [
    ("account_login", []),
    ("account_signup", []),
    ("account_reset_password", []),
    ("account_reset_password_done", []),
    ("account_reset_password_from_key", ["1", "bad-key"]),
    ("account_confirm_email", ["bad-key"]),
    ("account_email_verification_sent", []),
    ("account_inactive", []),
    ("socialaccount_login_cancelled", []),
])
def test_allauths_pages_for_a_visitor_have_no_russian_in_kazakh(kazakh, name, args):
    assert russian_on(page(kazakh.get(reverse(name, args=args)))) == []


@pytest.mark.django_db
def test_a_failed_social_login_is_told_in_kazakh(kazakh):
    response = kazakh.get(reverse("socialaccount_login_error"))

    assert response.status_code == 401
    assert russian_on(response.content.decode()) == []


@pytest.mark.django_db
@pytest.mark.parametrize("name", [
    "account_email", "account_change_password", "account_logout", "account_reauthenticate",
    "socialaccount_connections", "mfa_index"])
def test_allauths_pages_for_a_signed_in_person_have_no_russian_in_kazakh(signed_in, name):
    assert russian_on(page(signed_in.get(reverse(name)))) == []


@pytest.mark.django_db
def test_a_wrong_current_password_is_refused_in_kazakh(signed_in):
    response = signed_in.post(reverse("account_change_password"), {
        "oldpassword": "Wrong-horse-7", "password1": "Steppe-sunrise-2019",
        "password2": "Steppe-sunrise-2019"})

    assert_in_kazakh(response, "Ағымдағы құпиясөзіңізді енгізіңіз.")


@pytest.mark.django_db
def test_signing_in_and_out_is_announced_in_kazakh(kazakh, person):
    signed_in = page(kazakh.post(reverse("account_login"), {
        "login": "aigerim@example.kz", "password": "Correct-horse-7"}, follow=True))
    signed_out = page(kazakh.post(reverse("account_logout"), follow=True))

    assert "ретінде сәтті кірдіңіз." in signed_in
    assert "Сіз жүйеден шықтыңыз." in signed_out
    assert russian_on(signed_in + signed_out) == []


@pytest.mark.django_db
@pytest.mark.parametrize("template, context", [
    ("account/email/email_confirmation_signup",
     {"activate_url": "https://ozgeris.kz/accounts/confirm-email/k/", "key": "k"}),
    ("account/email/password_reset_key",
     {"password_reset_url": "https://ozgeris.kz/accounts/password/reset/key/1-k/"}),
    ("account/email/password_changed", {}),
])
def test_allauths_mail_is_in_kazakh(person, template, context):
    subject, text, _html = render_account_mail(
        template=template, to="aigerim@example.kz", language="kk",
        context={"user": person, "email": "aigerim@example.kz",
                 "current_site": {"name": "Ozgeris Ustasy", "domain": "ozgeris.kz"}, **context})

    assert russian_on(subject + text) == []
    assert re.search("[әғқңөұүһі]", subject) and re.search("[әғқңөұүһі]", text)
