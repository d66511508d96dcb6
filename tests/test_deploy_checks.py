"""The migrate service's gate (`check --deploy --fail-level ERROR`) stops a production stack
configured in a way Django itself would only warn about, or not notice: a misspelt DJANGO_ENV,
DEBUG on, a weak mailbox-hash key, a host wildcard. The configuration compose documents passes."""

import os
import re
import subprocess
import sys

import pytest

from tests.test_settings import ROOT, _compose

STRONG_SECRET_KEY = "k3y-" + "z9Q!x7#pL2@wR5$" * 4
STRONG_MAILBOX_KEY = "m4ilbox-" + "a7Zq" * 12
CHECKPOINT_KEY = "11" * 32
SETTINGS = {"DJANGO_ENV", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "VOTE_MAILBOX_KEY",
            "VOTE_CHECKPOINT_KEY", "PORTAL_URL", "DATABASE_URL", "REDIS_URL"}


def gate(**env):
    """The migrate service's first command in a production environment that passes it, with
    ``env`` changed (None unsets a variable)."""
    full = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    full.update(DJANGO_ENV="production", SECRET_KEY=STRONG_SECRET_KEY, ALLOWED_HOSTS="ozgeris.kz",
                PORTAL_URL="https://ozgeris.kz", VOTE_MAILBOX_KEY=STRONG_MAILBOX_KEY,
                VOTE_CHECKPOINT_KEY=CHECKPOINT_KEY)
    full.update(env)
    full = {k: v for k, v in full.items() if v is not None}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=ROOT, env=full, capture_output=True, text=True, timeout=120)


def test_a_good_production_configuration_passes_the_gate():
    result = gate()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("value", ["Production", "prod", "staging", "production ", "dev"])
def test_a_misspelt_django_env_stops_the_start(value):
    """Anything but the two names used to be development: DEBUG on, the public development
    SECRET_KEY, no secure cookies, HSTS or two-factor sign-in for staff."""
    result = gate(DJANGO_ENV=value, SECRET_KEY=None, VOTE_CHECKPOINT_KEY=None)

    assert result.returncode != 0
    assert f"DJANGO_ENV must be one of development, production (lower case), not {value!r}" in (
        result.stderr)


@pytest.mark.parametrize("value", ["development", "", None])
def test_development_is_named_or_left_unset(value):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True,
        timeout=120, env={k: v for k, v in {**os.environ, "DJANGO_ENV": value}.items()
                          if v is not None and k not in SETTINGS - {"DJANGO_ENV"}})

    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_on_in_production_stops_the_gate():
    result = gate(DEBUG="1")

    assert result.returncode != 0
    assert "ozgeris.E003" in result.stderr and "DEBUG is on with DJANGO_ENV=production" in (
        result.stderr)


@pytest.mark.parametrize("hosts", ["*", "ozgeris.kz,*"])
def test_a_host_wildcard_in_production_stops_the_gate(hosts):
    result = gate(ALLOWED_HOSTS=hosts)

    assert result.returncode != 0
    assert "ozgeris.E004" in result.stderr


@pytest.mark.parametrize("key", ["abc", "9f60d1f07b2e923b22039b6233aa40", "a" * 48, "abab" * 10])
def test_a_weak_mailbox_key_stops_the_gate(key):
    """A short or repetitive key lets anyone with a database dump brute-force the mailbox
    hashes back to voters' email addresses."""
    result = gate(VOTE_MAILBOX_KEY=key)

    assert result.returncode != 0
    assert "voting.E002" in result.stderr and "VOTE_MAILBOX_KEY is too weak" in result.stderr
    assert "secrets.token_urlsafe(48)" in result.stderr
    assert key not in result.stderr


def test_a_mailbox_key_of_32_random_characters_passes_the_gate():
    result = gate(VOTE_MAILBOX_KEY=os.urandom(16).hex())

    assert result.returncode == 0, result.stdout + result.stderr


def test_a_weak_secret_key_keying_the_mailbox_hash_stops_the_gate():
    result = gate(VOTE_MAILBOX_KEY=None, SECRET_KEY="short-secret")

    assert result.returncode != 0
    assert "voting.E002" in result.stderr and "SECRET_KEY, which keys the mailbox hash," in (
        result.stderr)


def test_the_environment_compose_documents_passes_the_gate():
    """The migrate service's environment with every required ``${NAME:?...}`` given a value of
    the kind the README asks for, and every ``${NAME:-default}`` left at its default, as an
    .env file holding only the required values would give."""
    required = {"SECRET_KEY": STRONG_SECRET_KEY, "PORTAL_URL": "https://ozgeris.kz",
                "VOTE_MAILBOX_KEY": STRONG_MAILBOX_KEY, "VOTE_CHECKPOINT_KEY": CHECKPOINT_KEY,
                "OZGERIS_APP_PASSWORD": "app", "OZGERIS_OWNER_PASSWORD": "owner"}

    def fill(value):
        value = re.sub(r"\$\{(\w+):\?[^}]*\}", lambda m: required[m[1]], str(value))
        return re.sub(r"\$\{\w+:-([^}]*)\}", lambda m: m[1], value)

    environment = {name: fill(value)
                   for name, value in _compose()["services"]["migrate"]["environment"].items()}
    assert environment["DJANGO_ENV"] == "production"

    result = gate(**environment)

    assert result.returncode == 0, result.stdout + result.stderr
