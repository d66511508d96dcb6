"""Every sign-in has a limit, and a hung Redis does not lift it: allauth's rate limits and its
used TOTP codes live in the "auth" cache, the database (ozgeris.accounts); /admin/login/ signs in
through allauth's page."""

import socket
import time
from datetime import UTC, datetime

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core.cache import cache
from django.urls import reverse

from ozgeris.accounts import AccountAdapter
from ozgeris.two_factor import MFAAdapter

PASSWORD = "Correct-horse-7"  # tests/conftest.py's make_user
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TOO_MANY = "Too many failed login attempts"


@pytest.fixture
def redis_hangs(settings):
    """The default cache is the portal's Redis cache (failing open), on a server that accepts
    the connection and never answers: every read is a miss, every counter starts afresh."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)  # never accepted: the kernel completes the handshake, nobody answers
        settings.CACHES = {**settings.CACHES, "default": {
            "BACKEND": "ozgeris.cache.FailOpenRedisCache",
            "LOCATION": f"redis://127.0.0.1:{server.getsockname()[1]}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }}
        cache.set("probe", "kept")
        assert cache.get("probe") is None  # the cache forgets: Redis is out of the picture
        yield


@pytest.fixture
def clock():
    start = (int(time.time()) // 30) * 30 + 1
    with time_machine.travel(datetime.fromtimestamp(start, tz=UTC), tick=False) as traveller:
        yield traveller


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password},
                       HTTP_ACCEPT_LANGUAGE="en")


def enter_code(client, code):
    return client.post(reverse("mfa_authenticate"), {"code": code})


def current_code():
    return format_hotp_value(hotp_value(SECRET, int(time.time()) // 30))


@pytest.mark.django_db
def test_the_sixth_wrong_password_is_refused_while_redis_hangs(client, make_user, redis_hangs):
    make_user(email="voter@example.kz")

    pages = [sign_in(client, "voter@example.kz", "wrong").content.decode() for _ in range(6)]

    assert TOO_MANY not in pages[0]
    assert TOO_MANY in pages[-1]
    sign_in(client, "voter@example.kz")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_wrong_second_factor_codes_are_limited_while_redis_hangs(
    client, staff, redis_hangs, clock
):
    TOTP.activate(staff, SECRET)
    sign_in(client, staff.email)
    wrong = format_hotp_value((int(current_code()) + 1) % 10**6)

    first = enter_code(client, wrong)
    for _ in range(4):
        enter_code(client, wrong)
    right_too_late = enter_code(client, current_code())

    assert first.context["form"].errors == {
        "code": [str(MFAAdapter.error_messages["incorrect_code"])]}
    assert right_too_late.status_code == 200
    assert right_too_late.context["form"].errors == {
        "code": [str(AccountAdapter.error_messages["too_many_login_attempts"])]}
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_used_code_is_not_accepted_twice_while_redis_hangs(client, staff, redis_hangs, clock):
    TOTP.activate(staff, SECRET)
    sign_in(client, staff.email)
    assert enter_code(client, current_code()).status_code == 302
    client.post(reverse("account_logout"))

    sign_in(client, staff.email)
    replayed = enter_code(client, current_code())

    assert replayed.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_reset_requests_are_limited_while_redis_hangs(client, make_user, redis_hangs):
    make_user(email="voter@example.kz")

    statuses = [client.post(reverse("account_reset_password"),
                            {"email": "voter@example.kz"}).status_code for _ in range(4)]

    assert statuses == [302, 302, 302, 429]


@pytest.mark.django_db
def test_the_admin_sign_in_form_signs_nobody_in(client, staff):
    """Django's admin form counted no failures: 30 wrong passwords, then the right one signed
    in. It now only sends people to allauth's page (its limits, its second step)."""
    for _ in range(30):
        client.post(reverse("admin:login"), {"username": staff.email, "password": "wrong"})

    response = client.post(f"{reverse('admin:login')}?next=/admin/jury/",
                           {"username": staff.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next=%2Fadmin%2Fjury%2F"
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_admin_sends_visitors_to_the_portal_sign_in_and_back(client, staff):
    arrived = client.get("/admin/", follow=True)
    assert arrived.redirect_chain[-1][0] == f"{reverse('account_login')}?next=%2Fadmin%2F"

    signed_in = client.post(arrived.redirect_chain[-1][0],
                            {"login": staff.email, "password": PASSWORD})

    assert signed_in.url == "/admin/"
    assert client.get(reverse("admin:login")).url == reverse("admin:index")


@pytest.mark.django_db
def test_the_admin_sign_in_refuses_a_signed_in_person_without_access(client, voter):
    client.force_login(voter)

    assert client.get(reverse("admin:login")).status_code == 403
