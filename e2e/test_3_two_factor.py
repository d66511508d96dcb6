"""Two-factor sign-in for staff (issue 15), in the browser: with the requirement on, a staff
member sets up an authenticator app (the key read from the page, the code computed here, as the
phone would), signs out, signs in again with the code and reaches /admin/.

The requirement is read from MFA_REQUIRED_FOR_STAFF, on in production and off elsewhere so the
demo signs in in one step. The stack's portal runs with it off, as the other journeys expect
(their staff sign in with the password alone); this journey starts a second gunicorn on the
same database and Redis with MFA_REQUIRED_FOR_STAFF=1, and uses an account of its own.
"""

import os
import re
import time

import pytest
from playwright.sync_api import expect

from . import stages
from .conftest import Shots, Stack, fail_on_csp_violations, free_port, portal_context

EMAIL = "staff-2fa-e2e@ozgeris.example.kz"
PERIOD = 30  # seconds a TOTP code lasts (allauth's default)


@pytest.fixture(scope="module")
def two_factor_portal(stack):
    """The portal with the requirement on: ``stack``'s environment (which conftest put in
    os.environ for the ORM) plus MFA_REQUIRED_FOR_STAFF=1; its URL."""
    port = free_port()
    env = {**os.environ, "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1,localhost",
           "LOG_LEVEL": "WARNING", "PORTAL_URL": f"http://127.0.0.1:{port}",
           "MFA_REQUIRED_FOR_STAFF": "1"}
    portal = Stack()
    try:
        yield portal.start_portal("gunicorn-two-factor", port, env, 1)
    finally:
        portal.stop()


@pytest.fixture
def page_on(browser, two_factor_portal):
    """A fresh browser context on the portal that requires the second factor; like conftest's
    ``new_page``, the test fails if a page violated the Content-Security-Policy (the QR code
    among them)."""
    violations = []
    context = portal_context(browser, two_factor_portal, violations)
    yield context.new_page()
    context.close()
    fail_on_csp_violations(violations)


def code_for(secret, after=None):
    """The code the phone shows now, and its time step: one with a few seconds left to type it,
    and, if ``after`` (a step) is given, of a later step (a used code is refused for the rest
    of its step)."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    now = time.time()
    step = int(now) // PERIOD
    if (after is not None and step <= after) or (step + 1) * PERIOD - now < 5:
        time.sleep(max(after + 1 if after is not None else 0, step + 1) * PERIOD - now + 0.5)
        step = int(time.time()) // PERIOD
    return format_hotp_value(hotp_value(secret, step)), step


def submit(page, form_action):
    with page.expect_navigation():
        page.click(f"main form[action$='{form_action}'] button[type=submit]")


def sign_in(page, password):
    page.fill("input[name=login]", EMAIL)
    page.fill("input[name=password]", password)
    submit(page, "/accounts/login/")


def test_staff_set_up_an_authenticator_app_and_sign_in_with_its_code(page_on):
    from django.contrib.auth.models import Group

    staff = stages.person(EMAIL, "Staff Two-Factor", is_staff=True)
    staff.groups.add(Group.objects.get(name="Programme staff"))
    page, shots = page_on, Shots("5-two-factor")

    # /admin/ sends to the portal's sign-in; the password alone leads to the app's set-up.
    page.goto("/admin/")
    page.wait_for_url(re.compile(r"/accounts/login/\?next=%2Fadmin%2F$"))
    shots(page, "admin-sends-to-sign-in")
    sign_in(page, stages.PASSWORD)
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    shots(page, "held-confirm-password")
    page.fill("input[name=password]", stages.PASSWORD)
    submit(page, "/accounts/reauthenticate/")
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    expect(page.locator("main svg[role=img]")).to_be_visible()
    shots(page, "set-up-authenticator-app")

    # The phone: the key from the page, the code from the key.
    secret = page.locator("#authenticator-secret").inner_text().strip()
    page.fill("input[name=code]", code_for(secret)[0])
    submit(page, "/accounts/2fa/totp/activate/")
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    shots(page, "recovery-codes")

    # On to the admin: this session signed in with the password alone, so it shows a code.
    page.click("main a.button")
    page.wait_for_url(re.compile(r"/accounts/2fa/reauthenticate/\?next=%2Fadmin%2F$"))
    shots(page, "confirm-first-code")
    code, step = code_for(secret)
    page.fill("input[name=code]", code)
    submit(page, "/accounts/2fa/reauthenticate/")
    page.wait_for_url(re.compile(r"/admin/$"))
    shots(page, "admin-after-set-up")

    # Signed out, and in again: the password, then the code (a wrong one is refused).
    page.goto("/")
    with page.expect_navigation():
        page.click("form[action='/accounts/logout/'] button[type=submit]")
    page.goto("/admin/")
    sign_in(page, stages.PASSWORD)
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/$"))
    shots(page, "asked-for-code")
    code, step = code_for(secret, after=step)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    page.fill("input[name=code]", wrong)
    submit(page, "/accounts/2fa/authenticate/")
    expect(page.locator("main .errorlist")).to_be_visible()
    shots(page, "wrong-code-refused")
    page.fill("input[name=code]", code)
    submit(page, "/accounts/2fa/authenticate/")
    page.wait_for_url(re.compile(r"/admin/$"))
    expect(page.locator("#content")).to_be_visible()
    shots(page, "admin-signed-in-with-code")
