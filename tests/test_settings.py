"""Production settings refuse to start half-configured and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def run(args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS"}}
    clean.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run(["manage.py", "check"], DJANGO_ENV="production", ALLOWED_HOSTS="ozgeris.kz")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run(["manage.py", "check"], DJANGO_ENV="production", SECRET_KEY="x" * 60)

    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_production_settings_pass_the_deployment_checks():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_ENV="production",
        SECRET_KEY="k3y-" + "z9Q!x7#pL2@wR5$" * 4,
        ALLOWED_HOSTS="ozgeris.kz",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_kept_finalists_page_is_answered_inside_the_headers_and_statistics():
    """voting.middleware.AnonymousFinalistsPage answers without the middleware after it: the
    language, the security headers and the visitor statistics must come before it, and
    everything that needs a session after it."""
    order = {name.rsplit(".", 1)[1]: position
             for position, name in enumerate(settings.MIDDLEWARE)}
    early = order["AnonymousFinalistsPage"]

    for before in ("SecurityMiddleware", "SessionMiddleware", "LocaleMiddleware",
                   "XFrameOptionsMiddleware", "VisitorMiddleware"):
        assert order[before] < early, before
    for after in ("CsrfViewMiddleware", "AuthenticationMiddleware", "UserLanguageMiddleware",
                  "MessageMiddleware", "AccountMiddleware"):
        assert order[after] > early, after
