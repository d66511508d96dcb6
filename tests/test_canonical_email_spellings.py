"""One mailbox, one account, whatever the spelling: Unicode compatibility forms, IDNA, quoting,
+tags at every domain, the namespaces Yandex, Proton, iCloud and Fastmail share, a trailing dot
and invisible characters all fold to one ``canonical_email`` (ozgeris.emails). A second sign-up
through allauth's form is refused for each; the limits per address count per mailbox
(ozgeris.accounts); migration 0013 refolds existing accounts without merging any, and
``manage.py canonical_email_collisions`` lists the ones it could not."""

import hashlib
import importlib
import io

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from ozgeris.emails import canonical_email, is_disposable
from ozgeris.models import AuditEvent, MailOptOut, OutboxMessage, User

refold = importlib.import_module("ozgeris.migrations.0013_refold_canonical_emails")

PASSWORD = "Steppe-sunrise-2019"
OWNER_PASSWORD = "Correct-horse-7"  # tests/conftest.py's make_user

# (registered, another spelling of the same mailbox): each a second vote before the fix.
SPELLINGS = [
    pytest.param("ivan@gmail.com", "ivan@ｇｍａｉｌ.com", id="full-width-domain"),
    pytest.param("ivan@yandex.ru", "ivan@ＹＡＮＤＥＸ.ru", id="full-width-yandex"),
    pytest.param("ivan@mail.ru", '"ivan"@mail.ru', id="quoted-local-part"),
    pytest.param("ivan@mail.ru", '"ivan+vote"@mail.ru', id="quoted-with-tag"),
    pytest.param("ivan@пример.kz", "ivan@xn--e1afmkfd.kz", id="punycode-of-unicode-domain"),
    pytest.param("ivan@xn--e1afmkfd.kz", "ivan@ПРИМЕР.kz", id="unicode-of-punycode-domain"),
    pytest.param("ivan@yandex.ru", "ivan+2@yandex.ru", id="yandex-tag"),
    pytest.param("ivan@yandex.ru", "ivan@yandex.kz", id="yandex-kz"),
    pytest.param("ivan@yandex.ru", "ivan@yandex.com", id="yandex-com"),
    pytest.param("ivan@yandex.ru", "ivan@yandex.by", id="yandex-by"),
    pytest.param("ivan@yandex.ru", "ivan@yandex.ua", id="yandex-ua"),
    pytest.param("ivan@yandex.ru", "ivan@ya.ru", id="ya-ru"),
    pytest.param("ivan@yandex.ru", "ivan@narod.ru", id="narod-ru"),
    pytest.param("ivan.petrov@yandex.ru", "ivan-petrov@ya.ru", id="yandex-dot-is-hyphen"),
    pytest.param("ivan@outlook.com", "ivan+2@outlook.com", id="outlook-tag"),
    pytest.param("ivan@hotmail.com", "ivan+2@hotmail.com", id="hotmail-tag"),
    pytest.param("ivan@live.com", "ivan+2@live.com", id="live-tag"),
    pytest.param("ivan@mail.ru", "ivan+2@mail.ru", id="mail-ru-tag"),
    pytest.param("ivan@bk.ru", "ivan+2@bk.ru", id="bk-ru-tag"),
    pytest.param("ivan@icloud.com", "ivan+2@me.com", id="icloud-me-tag"),
    pytest.param("ivan@icloud.com", "ivan@mac.com", id="icloud-mac"),
    pytest.param("ivan@fastmail.com", "ivan+2@fastmail.com", id="fastmail-tag"),
    pytest.param("ivan@fastmail.com", "vote@ivan.fastmail.com", id="fastmail-subdomain"),
    pytest.param("ivan.petrov@proton.me", "ivan_petrov+2@pm.me", id="proton"),
    pytest.param("ivan@protonmail.com", "i.van@protonmail.ch", id="protonmail-ch"),
    pytest.param("ivan@example.kz", "ivan+2@example.kz", id="tag-at-any-domain"),
    pytest.param("ivan@gmail.com", "ivan@gmail.com\u200b", id="zero-width-space"),
    pytest.param("ivan@gmail.com", "ivan@gm\u00adail.com", id="soft-hyphen-in-domain"),
]
# Spellings Django's address validator refuses (a social login's address is not checked by
# it): folded all the same.
NOT_ADDRESSES_TO_THE_FORM = [
    pytest.param("ivan@gmail.com", "ivan@gmail.com.", id="trailing-dot"),
    pytest.param("ivan@gmail.com", "ivan@gmail\u3002com", id="ideographic-full-stop"),
]
UNIT_ONLY = [
    ("ｉｖａｎ@gmail.com", "ivan@gmail.com"),
    ("ivan＠gmail.com", "ivan@gmail.com"),
    ("\ufeff ivan@mail.ru \u2060", "ivan@mail.ru"),
    ('"iv\\an"@mail.ru', "ivan@mail.ru"),
]
# Two people: no rule may merge these.
DISTINCT = [
    ("ivan@hotmail.com", "ivan@outlook.com"),
    ("ivan@outlook.com", "ivan@live.com"),
    ("ivan@mail.ru", "ivan@bk.ru"),
    ("ivan@mail.ru", "ivan@inbox.ru"),
    ("i.van@mail.ru", "ivan@mail.ru"),
    ("i.van@outlook.com", "ivan@outlook.com"),
    ("ivan@fastmail.com", "ivan@fastmail.fm"),
    ("ivan@gmail.com", "ivan@yandex.ru"),
    ('"ivan smith"@mail.ru', "ivansmith@mail.ru"),
]


def signup(client, email, language="en"):
    return client.post(reverse("account_signup"), {
        "display_name": "Иван", "email": email, "password1": PASSWORD, "password2": PASSWORD,
        "consent": "on"}, HTTP_ACCEPT_LANGUAGE=language)


def told_owner():
    return list(OutboxMessage.objects.filter(purpose="account:account_already_exists")
                .values_list("to", flat=True))


# --- the rule ---------------------------------------------------------------------------

@pytest.mark.parametrize(("registered", "spelling"), SPELLINGS + NOT_ADDRESSES_TO_THE_FORM)
def test_each_spelling_folds_to_the_registered_mailboxs_form(registered, spelling):
    assert canonical_email(spelling) == canonical_email(registered)


@pytest.mark.parametrize(("spelling", "form"), UNIT_ONLY)
def test_compatibility_and_quoted_spellings_fold_to_the_plain_form(spelling, form):
    assert canonical_email(spelling) == form


@pytest.mark.parametrize(("one", "other"), DISTINCT)
def test_different_mailboxes_keep_different_forms(one, other):
    assert canonical_email(one) != canonical_email(other)


def test_the_form_of_a_unicode_domain_is_its_ascii_idna_form():
    assert canonical_email("Иван@Пример.kz") == "иван@xn--e1afmkfd.kz"


def test_an_address_starting_with_a_plus_keeps_it():
    assert canonical_email("+tag@example.kz") == "+tag@example.kz"


@pytest.mark.parametrize("address", ["x@ｍａｉｌｉｎａｔｏｒ.com", "x@MAILINATOR.com.",
                                     "x@mailinator\u200b.com", "x@eu.mailinator。com"])
def test_a_disposable_domain_is_recognised_however_it_is_spelled(address):
    assert is_disposable(address)


def test_a_form_longer_than_the_column_is_written_as_its_digest():
    letters = "әбвгдежзийклмнопрсту"
    long_unicode_domain = "x@" + ".".join(letters[i:] + letters[:i] for i in range(9)) + ".kz"
    assert len(long_unicode_domain) < 254

    form = canonical_email(long_unicode_domain)

    assert form.startswith("sha256:") and len(form) <= 254
    assert canonical_email(form) == form


addresses = st.one_of(
    st.emails(),
    st.builds(lambda local, domain: f"{local}@{domain}",
              st.text(st.characters(codec="utf-8"), min_size=1, max_size=20),
              st.sampled_from(["gmail.com", "ya.ru", "ＹＡＮＤＥＸ.kz", "xn--e1afmkfd.kz",
                               "пример.kz", "pm.me", "a.fastmail.com", "mail.ru."])),
    st.text(max_size=30),
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(addresses)
@example("0@\u00b4")  # NFKC makes the domain a space and a combining accent
def test_the_form_of_a_form_is_itself(address):
    """The rate limits put forms where addresses were (ozgeris.accounts): folding must be
    idempotent, or a form would count apart from its address."""
    assert canonical_email(canonical_email(address)) == canonical_email(address)


@hypothesis_settings(max_examples=300, deadline=None)
@given(addresses)
def test_migration_0013s_copy_of_the_rules_is_todays_rules(address):
    """Migration 0013 carries its own copy of the rules. When ozgeris.emails changes, this
    fails: write a new migration carrying the new rules (and point this test at it), or the
    stored forms silently drift from the ones sign-up computes."""
    assert refold.canonical_email(address) == canonical_email(address)


@pytest.mark.parametrize("address", [
    *(a for p in SPELLINGS + NOT_ADDRESSES_TO_THE_FORM for a in p.values),
    *(a for pair in UNIT_ONLY + DISTINCT for a in pair)])
def test_migration_0013s_copy_agrees_on_every_spelling_here(address):
    assert refold.canonical_email(address) == canonical_email(address)


# --- through the sign-up form -------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize(("registered", "spelling"), SPELLINGS)
def test_a_second_sign_up_with_another_spelling_is_refused(
        make_user, registered, spelling, django_capture_on_commit_callbacks):
    """The form answers as for a new address (ACCOUNT_PREVENT_ENUMERATION): no account is
    made, and the owner is told at the address they registered."""
    owner = make_user(email=registered)

    with django_capture_on_commit_callbacks(execute=True):
        answer = signup(Client(), spelling)

    assert answer.status_code == 302
    assert list(User.objects.filter(canonical_email=owner.canonical_email)) == [owner]
    assert not User.objects.exclude(pk=owner.pk).filter(email__iexact=spelling.strip()).exists()
    assert told_owner() == [[registered]]


@pytest.mark.django_db
@pytest.mark.parametrize(("registered", "spelling"), NOT_ADDRESSES_TO_THE_FORM)
def test_a_sign_up_with_a_spelling_that_is_no_address_is_refused(make_user, registered, spelling):
    owner = make_user(email=registered)

    answer = signup(Client(), spelling)

    assert answer.status_code == 200
    assert list(User.objects.filter(canonical_email=owner.canonical_email)) == [owner]
    assert not User.objects.filter(email=spelling).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "words"), [
    ("en", "another spelling of the same mailbox"),
    ("ru", "другим написанием того же почтового ящика"),
    ("kk", "пошта жәшігінің басқаша"),
])
def test_without_enumeration_prevention_the_refusal_says_why_in_each_language(
        make_user, settings, language, words):
    settings.ACCOUNT_PREVENT_ENUMERATION = False
    make_user(email="ivan@yandex.ru")

    page = signup(Client(), "Ivan+vote@ＹＡ.ru", language=language)

    assert page.status_code == 200
    assert words in " ".join(page.content.decode().split())
    assert User.objects.filter(canonical_email="ivan@yandex.ru").count() == 1


# --- the limits per address count per mailbox -------------------------------------------

@pytest.mark.django_db
def test_spellings_of_one_mailbox_share_its_password_reset_limit(client, make_user):
    """Three resets an hour per mailbox (ACCOUNT_RATE_LIMITS' ``reset_password`` per key); the
    per-address limit (five) is not what stops the fourth."""
    make_user(email="ivan@yandex.ru")
    spellings = ["ivan@yandex.ru", "ivan+1@ya.ru", "IVAN@yandex.kz", "ivan+2@narod.ru"]

    statuses = [client.post(reverse("account_reset_password"), {"email": spelling})
                .status_code for spelling in spellings]

    assert statuses == [302, 302, 302, 429]


@pytest.mark.django_db
def test_a_mailbox_is_told_of_a_sign_up_attempt_once_whatever_the_spellings(
        make_user, django_capture_on_commit_callbacks):
    """One "account already exists" mail in three minutes per mailbox (``confirm_email`` per
    key): +tags do not turn the sign-up form into a way to flood someone's inbox."""
    make_user(email="ivan@outlook.com")

    with django_capture_on_commit_callbacks(execute=True):
        for tag in range(3):
            signup(Client(REMOTE_ADDR=f"203.0.113.{tag + 1}"), f"ivan+{tag}@outlook.com")

    assert told_owner() == [["ivan@outlook.com"]]


@pytest.mark.django_db
def test_spellings_of_one_mailbox_share_its_failed_login_limit(client, make_user):
    make_user(email="ivan.petrov@yandex.ru")
    for attempt, spelling in enumerate(["ivan-petrov@ya.ru", "Ivan.Petrov+1@yandex.kz",
                                        "ivan.petrov@ＹＡＮＤＥＸ.com", "ivan-petrov@narod.ru",
                                        '"ivan.petrov"@yandex.by']):
        client.post(reverse("account_login"), {"login": spelling, "password": "wrong"},
                    REMOTE_ADDR=f"203.0.113.{attempt + 1}")

    client.post(reverse("account_login"), {"login": "ivan.petrov@yandex.ru",
                                           "password": OWNER_PASSWORD},
                REMOTE_ADDR="203.0.113.50")

    assert "_auth_user_id" not in client.session


# --- migration 0013 -----------------------------------------------------------------------

def account_before_0013(email, form, password=OWNER_PASSWORD):
    """An account as the rules before migration 0013 stored it (``save`` would fold it now)."""
    user = User(email=email, canonical_email=form)
    user.set_password(password)
    User.objects.bulk_create([user])
    user = User.objects.get(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.mark.django_db
def test_the_migration_gives_the_form_to_the_earliest_account_and_records_the_later_one(db):
    earlier = account_before_0013("ivan+news@yandex.kz", "ivan+news@yandex.kz")
    later = account_before_0013("ivan@ya.ru", "ivan@ya.ru", password=PASSWORD)
    bystander = account_before_0013("aigerim+x@mail.ru", "aigerim+x@mail.ru")
    MailOptOut.objects.create(address_hash=hashlib.sha256(b"ivan+news@yandex.kz").hexdigest())

    moves, collisions = refold.recompute(apps, refold.canonical_email,
                                         before=refold.canonical_email_before)

    assert User.objects.get(pk=earlier.pk).canonical_email == "ivan@yandex.ru"
    assert User.objects.get(pk=later.pk).canonical_email == "ivan@ya.ru"
    assert User.objects.get(pk=bystander.pk).canonical_email == "aigerim@mail.ru"
    assert collisions == [(later.pk, "ivan@yandex.ru", earlier.pk)]
    entry = AuditEvent.objects.get(action="account.canonical_email_collision")
    assert (entry.object_id, entry.details) == (str(later.pk), {"form_held_by": earlier.pk})
    # The mailbox's unsubscribe follows it to its new form.
    assert MailOptOut.objects.filter(
        address_hash=hashlib.sha256(b"ivan@yandex.ru").hexdigest()).exists()
    # The kept account still works: its profile saves, its owner signs in.
    later.refresh_from_db()
    later.display_name = "Иван"
    later.save()
    client = Client()
    client.post(reverse("account_login"), {"login": "ivan@ya.ru", "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(later.pk)
    # Staff find it.
    out = io.StringIO()
    call_command("canonical_email_collisions", stdout=out)
    assert (f"account {later.pk} <ivan@ya.ru>" in out.getvalue()
            and f"held by account {earlier.pk} <ivan+news@yandex.kz>" in out.getvalue())
    assert "1 account(s) to review" in out.getvalue()


@pytest.mark.django_db
def test_the_migration_leaves_the_form_with_the_account_that_holds_it(make_user):
    plus = account_before_0013("ivan+a@outlook.com", "ivan+a@outlook.com")
    plain = make_user(email="ivan@outlook.com")

    moves, collisions = refold.recompute(apps, refold.canonical_email)

    assert moves == []
    assert collisions == [(plus.pk, "ivan@outlook.com", plain.pk)]
    assert User.objects.get(pk=plus.pk).canonical_email == "ivan+a@outlook.com"


def test_a_form_given_up_goes_to_the_lowest_account_waiting_for_it():
    """Account 3 gives up F in the first pass; account 1 wants F too and outranks account 4."""
    fold = {"a1": "F", "a3": "G", "a4": "F"}.get
    accounts = [(1, "a1", "s1"), (3, "a3", "F"), (4, "a4", "s4")]

    moves, collisions = refold.plan(accounts, fold)

    assert moves == [(3, "F", "G"), (1, "s1", "F")]
    assert collisions == [(4, "F", 1)]


@pytest.mark.django_db
def test_the_migration_backwards_stores_the_forms_of_the_rules_before(make_user):
    user = make_user(email="Ivan.Petrov+x@ya.ru")

    refold.recompute(apps, refold.canonical_email_before)

    assert User.objects.get(pk=user.pk).canonical_email == "ivan.petrov+x@ya.ru"


@pytest.mark.django_db
def test_the_command_says_so_when_every_form_is_current(make_user):
    make_user(email="ivan+x@yandex.kz")
    out = io.StringIO()

    call_command("canonical_email_collisions", stdout=out)

    assert "Every account's canonical email is current." in out.getvalue()


@pytest.mark.django_db
def test_changing_the_email_recomputes_the_form(make_user):
    user = make_user(email="ivan@mail.ru")

    user.email = "Ivan+x@YA.ru"
    user.save(update_fields=["email"])

    assert User.objects.get(pk=user.pk).canonical_email == "ivan@yandex.ru"


@pytest.mark.django_db
def test_the_admin_refuses_an_email_another_account_has_in_another_spelling(client, make_user):
    """A superuser changing an address onto another account's mailbox reads why, instead of
    a server error from the unique column."""
    from django.urls import reverse

    from tests.factories import admin_change_form_data

    make_user(email="ivan.petrov@yandex.kz")
    other = make_user(email="someone@example.kz")
    admin = make_user(email="root@example.kz", is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.cookies["ozgeris_language"] = "en"
    url = reverse("admin:ozgeris_user_change", args=[other.pk])
    data = admin_change_form_data(client.get(url))
    data["email"] = "Ivan-Petrov+admin@ya.ru"

    response = client.post(url, data)

    assert response.status_code == 200
    assert "Another account already has this mailbox" in response.content.decode()
    other.refresh_from_db()
    assert other.email == "someone@example.kz"

    data["email"] = "someone.new@example.kz"  # a mailbox nobody has: saved
    assert client.post(url, data).status_code == 302
    other.refresh_from_db()
    assert other.canonical_email == "someone.new@example.kz"
