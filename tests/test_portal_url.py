"""Links in mail use the address the portal is served at (issue 19): `make run PORT=8801`
passes its port, PORTAL_URL follows it when not set, and account mail names the portal, not
the host that served the sign-up."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


def portal_url_with(**environment):
    """settings.PORTAL_URL as a fresh process computes it from ``environment``."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PORTAL_URL", "PORT", "DJANGO_ENV")}
    env.update(environment, DJANGO_SETTINGS_MODULE="ozgeris.settings")
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.PORTAL_URL)"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_portal_url_follows_the_port_the_portal_is_served_on():
    assert portal_url_with(PORT="8801") == "http://127.0.0.1:8801"
    assert portal_url_with() == "http://127.0.0.1:8000"


def test_an_explicit_portal_url_wins_over_the_port():
    assert portal_url_with(PORT="8801", PORTAL_URL="https://ozgeris.kz/") == "https://ozgeris.kz"


def test_make_run_passes_its_port_to_the_server():
    planned = subprocess.run(["make", "-n", "run", "PORT=8801"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    server = next(line for line in planned.splitlines() if "runserver" in line)
    assert re.match(r"^PORT=8801 \S+ manage\.py runserver 127\.0\.0\.1:8801$", server), server


@pytest.mark.django_db
def test_the_sign_up_email_greets_with_the_portals_name_and_links_to_where_it_is_served(
    client, django_capture_on_commit_callbacks, settings
):
    settings.PORTAL_URL = "http://127.0.0.1:8801"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), {
            "display_name": "Айгерім Қасымова", "email": "aigerim@example.kz",
            "password1": "Steppe-sunrise-2019", "password2": "Steppe-sunrise-2019",
            "consent": "on"}, HTTP_ACCEPT_LANGUAGE="en", HTTP_HOST="127.0.0.1:8801")

    assert response.status_code == 302
    body = mail.outbox[-1].body
    assert body.startswith("Hello from Ozgeris Ustasy!")
    assert "Thank you for using Ozgeris Ustasy!" in body
    assert "http://127.0.0.1:8801/" in body  # the verification link, on PORTAL_URL
