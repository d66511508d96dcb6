"""Two-factor sign-in (allauth.mfa): staff and jurors must have an authenticator app when
MFA_REQUIRED_FOR_STAFF is on (ozgeris/two_factor.py); voters never are asked."""

import io
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from ozgeris.models import AuditEvent
from ozgeris.two_factor import MFAAdapter

PASSWORD = "Correct-horse-7"  # tests/conftest.py's make_user
PERIOD = 30  # allauth's TOTP period


def code_at(secret, moment):
    """The code an authenticator app shows at ``moment`` (a UNIX time)."""
    return format_hotp_value(hotp_value(secret, int(moment) // PERIOD))


@pytest.fixture
def clock():
    """Time stands still at the start of a TOTP period; ``clock.shift(seconds)`` moves it on."""
    start = (int(time.time()) // PERIOD) * PERIOD + 1
    with time_machine.travel(datetime.fromtimestamp(start, tz=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def required(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True


@pytest.fixture
def juror(make_user):
    user = make_user(email="juror@example.kz")
    user.groups.add(Group.objects.get(name="Jury"))
    return user


def sign_in(client, email, password=PASSWORD, next_url=""):
    url = reverse("account_login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"login": email, "password": password})


def enter_code(client, code):
    return client.post(reverse("mfa_authenticate"), {"code": code})


def activate_app(client, password=PASSWORD):
    """Set up the authenticator app as a person does: confirm the password (allauth asks again
    before adding an authenticator), read the key from the page, type the code; the recovery
    codes come next. The key."""
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked.status_code == 302 and asked.url.startswith(reverse("account_reauthenticate"))
    client.post(asked.url, {"password": password})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200, page
    secret = page.context["form"].secret
    assert 'id="authenticator-secret"' in page.content.decode()
    response = client.post(reverse("mfa_activate_totp"), {"code": code_at(secret, time.time())})
    assert response.status_code == 302 and response.url == reverse("mfa_view_recovery_codes")
    return secret


def confirm_code(client, secret, page):
    """Go to ``page``; held at allauth's confirmation, type the app's code. The response."""
    held = client.get(page)
    assert held.status_code == 302
    assert held.url == f"{reverse('mfa_reauthenticate')}?{urlencode({'next': page})}"
    return client.post(held.url, {"code": code_at(secret, time.time())})


def signed_in(client):
    return "_auth_user_id" in client.session


@pytest.fixture
def staff_app_key(client, staff, required, clock):
    """Staff who set up their authenticator app and signed out again: the app's key."""
    sign_in(client, staff.email)
    secret = activate_app(client)
    client.post(reverse("account_logout"))
    return secret


# Staff --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_staff_without_an_authenticator_app_are_sent_to_set_one_up(client, staff, required):
    client.cookies["ozgeris_language"] = "en"
    sign_in(client, staff.email)

    for page in ("/admin/", "/reports/", reverse("profile")):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.url == reverse("mfa_activate_totp"), page
    followed = client.get(reverse("admin:index"), follow=True)
    assert "Set up an authenticator app to continue" in followed.content.decode()


@pytest.mark.django_db
def test_staff_reach_the_admin_once_the_app_is_set_up(client, staff, required, clock):
    sign_in(client, staff.email)
    secret = activate_app(client)

    confirmed = confirm_code(client, secret, "/admin/")

    assert confirmed.status_code == 302 and confirmed.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert Authenticator.objects.filter(user=staff, type="totp").exists()


@pytest.mark.django_db
def test_signing_in_again_asks_for_the_code_and_refuses_a_wrong_one(
    client, staff, clock, staff_app_key
):
    secret = staff_app_key
    clock.shift(PERIOD)

    asked = sign_in(client, staff.email, next_url="/admin/")
    assert asked.status_code == 302 and asked.url == reverse("mfa_authenticate")
    assert not signed_in(client)
    wrong = format_hotp_value((int(code_at(secret, time.time())) + 1) % 10**6)
    refused = enter_code(client, wrong)
    assert refused.status_code == 200
    assert refused.context["form"].errors == {
        "code": [str(MFAAdapter.error_messages["incorrect_code"])]}
    assert not signed_in(client)

    accepted = enter_code(client, code_at(secret, time.time()))

    assert accepted.status_code == 302 and accepted.url == "/admin/"
    assert signed_in(client)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_a_recovery_code_signs_in_once(client, staff, staff_app_key):
    authenticator = Authenticator.objects.get(user=staff, type="recovery_codes")
    code = RecoveryCodes(authenticator).get_unused_codes()[0]

    sign_in(client, staff.email)
    first = enter_code(client, code)
    assert first.status_code == 302 and signed_in(client)
    assert client.get("/admin/").status_code == 200
    client.post(reverse("account_logout"))

    sign_in(client, staff.email)
    again = enter_code(client, code)

    assert again.status_code == 200
    assert not signed_in(client)


@pytest.mark.django_db
def test_a_session_that_signed_in_with_the_password_alone_is_asked_for_the_code(
    client, staff, required, clock
):
    """Signed in before the app was set up (in another session), or before the requirement
    came on: the session has no second step, so it confirms one before going on."""
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    TOTP.activate(staff, secret)
    client.force_login(staff)

    confirmed = confirm_code(client, secret, "/admin/")

    assert confirmed.status_code == 302 and confirmed.url == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_staff_cannot_switch_their_app_off_while_it_is_required(client, staff, required, clock):
    sign_in(client, staff.email)
    activate_app(client)

    response = client.post(reverse("mfa_deactivate_totp"))

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        str(MFAAdapter.error_messages["cannot_delete_authenticator"])]
    assert Authenticator.objects.filter(user=staff, type="totp").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("page", "button"), [
    ("mfa_deactivate_totp", "Switch off"), ("mfa_generate_recovery_codes", "Make new codes")])
def test_a_second_factor_change_is_confirmed_by_its_form_with_a_way_back(
        client, staff, required, clock, page, button):
    """The confirmations share one form (templates/mfa/confirm_form.html)."""
    sign_in(client, staff.email)
    activate_app(client)
    client.cookies["ozgeris_language"] = "en"

    markup = client.get(reverse(page)).content.decode()

    assert f'<form method="post" action="{reverse(page)}">' in markup
    assert f'<button type="submit">{button}</button>' in markup
    assert f'<a href="{reverse("mfa_index")}">Cancel</a>' in markup


@pytest.mark.django_db
def test_the_set_up_page_draws_the_qr_code_without_script_style_or_data_url(
    client, staff, required
):
    sign_in(client, staff.email)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    page = client.get(reverse("mfa_activate_totp")).content.decode()

    assert '<svg role="img" aria-label=' in page
    assert "<?xml" not in page
    for inline in ("<script", "<style", "style=", "data:image"):
        assert inline not in page, inline


# Jurors, voters, the setting off ------------------------------------------------------------

@pytest.mark.django_db
def test_a_juror_is_held_likewise_before_the_jury_panel(client, juror, required, clock, programme):
    sign_in(client, juror.email)

    held = client.get("/jury/")
    assert held.status_code == 302 and held.url == reverse("mfa_activate_totp")

    secret = activate_app(client)
    confirm_code(client, secret, "/jury/")

    assert client.get("/jury/").status_code == 200


@pytest.mark.django_db
def test_a_voter_is_never_asked(client, voter, required, vote_programme):
    sign_in(client, voter.email)

    for page in ("/", "/vote/", reverse("profile")):
        assert client.get(page).status_code == 200, page


@pytest.mark.django_db
def test_with_the_requirement_off_staff_sign_in_with_the_password_alone(client, staff, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False

    sign_in(client, staff.email)

    assert signed_in(client)
    assert client.get("/admin/").status_code == 200


# A lost phone -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_superuser_resets_a_lost_second_factor_and_it_is_audited(client, staff, staff_app_key):
    call_command("reset_two_factor", staff.email.upper(), stdout=io.StringIO())

    assert not Authenticator.objects.filter(user=staff).exists()
    assert AuditEvent.objects.filter(action="account.two_factor_reset",
                                     object_id=str(staff.pk)).exists()
    sign_in(client, staff.email)
    assert signed_in(client)  # the password alone; then a new app before anything else
    assert client.get("/admin/").url == reverse("mfa_activate_totp")
