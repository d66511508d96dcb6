"""allauth's page of a person's addresses (/accounts/email/): an address added there never
becomes the login while it is another account's mailbox, whatever its spelling, and the page
says so instead of failing on the unique column (one mailbox, one account)."""

import re

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(make_user):
    return make_user(email="ivan.petrov@gmail.com")


@pytest.fixture
def signed_in(client, make_user, english_pages):
    person = make_user(email="someone@example.kz")
    client.force_login(person)
    return person


def _add(client, email):
    return client.post(reverse("account_email"), {"action_add": "", "email": email})


def _make_primary(client, email):
    return client.post(reverse("account_email"), {"action_primary": "", "email": email},
                       follow=True)


def test_another_accounts_mailbox_can_be_added_but_not_confirmed(client, signed_in, holder):
    """Added like any address (allauth answers a registered one like a new one, so that the
    page tells nobody whose mailbox it is), its confirmation link does not confirm it."""
    assert _add(client, "IvanPetrov+mine@gmail.com").status_code == 302
    address = EmailAddress.objects.get(user=signed_in, email="ivanpetrov+mine@gmail.com")

    page = client.post(reverse("account_confirm_email",
                               args=[EmailConfirmationHMAC(address).key]), follow=True)

    address.refresh_from_db()
    assert not address.verified
    assert "Unable to confirm" in page.content.decode()
    signed_in.refresh_from_db()
    assert signed_in.email == "someone@example.kz"


def test_a_confirmed_address_that_became_another_accounts_login_is_not_made_primary(
        client, signed_in, make_user):
    """Confirmed here while nobody had it, then another account signed up with the mailbox
    under another spelling: making it the login would give two accounts one mailbox."""
    EmailAddress.objects.create(user=signed_in, email="olga.k+portal@gmail.com", verified=True)
    make_user(email="olgak@gmail.com")

    page = _make_primary(client, "olga.k+portal@gmail.com")

    assert page.status_code == 200
    assert "Another account already has this mailbox" in page.content.decode()
    signed_in.refresh_from_db()
    assert signed_in.email == "someone@example.kz"
    assert EmailAddress.objects.get(user=signed_in, primary=True).email == "someone@example.kz"


def test_an_unconfirmed_address_is_not_made_the_login_even_without_a_confirmed_one(
        client, make_user, holder, english_pages):
    """allauth lets an account with no confirmed address make any address its login: the
    portal asks for a confirmed one, so that the answer tells nobody whose mailbox it is."""
    person = make_user(email="fresh@example.kz", verified=False)
    client.force_login(person)
    for address in ("ivan.petrov+x@gmail.com", "nobody-has-it@example.kz"):
        _add(client, address)

        page = _make_primary(client, address)

        assert "Your primary email address must be verified." in page.content.decode()
        person.refresh_from_db()
        assert person.email == "fresh@example.kz"


def test_a_confirmed_address_nobody_else_has_becomes_the_login(client, signed_in, holder):
    EmailAddress.objects.create(user=signed_in, email="someone.new@example.kz", verified=True)

    page = _make_primary(client, "someone.new@example.kz")

    assert "Primary email address set." in page.content.decode()
    signed_in.refresh_from_db()
    assert signed_in.canonical_email == "someone.new@example.kz"


def test_an_address_confirmed_by_its_own_account_is_confirmed(client, make_user):
    """The refusal is for another account's mailbox only: a person's own is confirmed."""
    person = make_user(email="own@example.kz", verified=False)
    address = EmailAddress.objects.get(user=person)

    client.post(reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key]))

    address.refresh_from_db()
    assert address.verified


def test_each_address_shows_its_state_as_the_portals_badges(client, signed_in):
    EmailAddress.objects.create(user=signed_in, email="other@example.kz", verified=False)

    page = client.get(reverse("account_email")).content.decode()

    for classes, state in (("badge badge-warn", "Unverified"), ("badge badge-ok", "Verified"),
                           ("badge", "Primary")):
        assert re.search(rf'<span class="{classes}">\s*{state}\s*</span>', page), state


def test_an_account_left_on_an_older_form_still_confirms_its_own_login(client, make_user):
    """An account a change of the mailbox rules left on its older form (migration 0013 keeps
    both accounts for staff to decide): its own login is not another account's mailbox."""
    from ozgeris.models import User

    stale = make_user(email="a.b@yandex.kz", verified=False)
    User.objects.filter(pk=stale.pk).update(canonical_email="a.b@yandex.kz")  # the older form
    make_user(email="a-b@yandex.ru")
    address = EmailAddress.objects.get(user=stale)

    client.post(reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key]))

    address.refresh_from_db()
    assert address.verified
