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
    language, the host check, the headers and the visitor statistics must come before it, and
    everything that needs a session after it."""
    order = {name.rsplit(".", 1)[1]: position
             for position, name in enumerate(settings.MIDDLEWARE)}
    early = order["AnonymousFinalistsPage"]

    for before in ("SecurityMiddleware", "SessionMiddleware", "LocaleMiddleware",
                   "CommonMiddleware", "XFrameOptionsMiddleware", "VisitorMiddleware"):
        assert order[before] < early, before
    for after in ("CsrfViewMiddleware", "AuthenticationMiddleware", "UserLanguageMiddleware",
                  "MessageMiddleware", "AccountMiddleware"):
        assert order[after] > early, after


def test_the_access_log_never_records_a_receipts_code():
    """The receipt page's address carries the code (?code=…), and the next page's Referer
    too: the deployed access log format leaves out query strings and referrers."""
    import datetime
    import re
    from types import SimpleNamespace

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    formats = {name: re.search(r'"--access-logformat",\s*"([^"]+)"', (ROOT / name).read_text())
               for name in ("Dockerfile", "docker-compose.yml")}
    assert all(formats.values()), formats
    (deployed,) = {found.group(1) for found in formats.values()}
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/vote/receipt/?code=SECRET-CODE&cast=1",
               "PATH_INFO": "/vote/receipt/", "QUERY_STRING": "code=SECRET-CODE&cast=1",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "203.0.113.7",
               "HTTP_REFERER": "https://ozgeris.kz/vote/receipt/?code=SECRET-CODE"}
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    atoms = Logger(Config()).atoms(response, SimpleNamespace(headers=[]), environ,
                                   datetime.timedelta(milliseconds=12))

    line = deployed % atoms
    assert "/vote/receipt/" in line and "203.0.113.7" in line
    assert "SECRET" not in line
