"""Production settings refuse to start half-configured and pass Django's deployment checks."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def run(args, **env):
    clean = {k: v for k, v in os.environ.items()
             if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "VOTE_MAILBOX_KEY", "VOTE_CHECKPOINT_KEY"}}
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
        VOTE_MAILBOX_KEY="m4ilbox-" + "a7Zq" * 12,
        VOTE_CHECKPOINT_KEY="11" * 32,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_says_before_the_first_request_that_the_votes_keys_are_missing():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_ENV="production",
        SECRET_KEY="k3y-" + "z9Q!x7#pL2@wR5$" * 4,
        ALLOWED_HOSTS="ozgeris.kz",
        VOTE_CHECKPOINT_KEY="not-a-key",
    )

    assert result.returncode != 0
    assert "voting.E001" in result.stderr and "VOTE_CHECKPOINT_KEY must be" in result.stderr
    assert "voting.W001" in result.stderr


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


def _compose():
    """docker-compose.yml's mappings as nested dicts of strings, with its anchors (&), aliases
    (*) and merge keys (<<) resolved. No YAML library is installed; this reads the block style
    the file uses (lists and flow sequences stay out: their lines have no `key:` at the start)."""
    root, anchors = {}, {}
    stack = [(-1, root)]
    for line in (ROOT / "docker-compose.yml").read_text().splitlines():
        found = re.match(r"( *)([\w.<-]+):(?: +(.*))?$", line)
        if not found:
            continue
        indent, key, value = len(found[1]), found[2], found[3] or ""
        while stack[-1][0] >= indent:
            stack.pop()
        if value == "" or value.startswith("&"):
            node = stack[-1][1][key] = {}
            stack.append((indent, node))
            if value:
                anchors[value[1:]] = node
        else:
            stack[-1][1][key] = value[1:-1] if re.fullmatch(r'"[^"]*"', value) else value

    def resolve(node):
        if isinstance(node, str):
            return resolve(anchors[node[1:]]) if node.startswith("*") else node
        merged = dict(resolve(node["<<"])) if "<<" in node else {}
        merged.update((key, resolve(value)) for key, value in node.items() if key != "<<")
        return merged

    return resolve(root)


def test_the_compose_services_reach_the_database_as_the_role_they_need():
    """migrate connects as the owner and then grants the runtime role; the services facing
    the internet connect as the runtime role, which owns nothing (tests/test_database_roles.py
    shows what it cannot do)."""
    services = _compose()["services"]
    owner = "postgres://ozgeris_owner:"
    runtime = "postgres://ozgeris_app:"

    assert services["migrate"]["environment"]["DATABASE_URL"].startswith(owner)
    assert "migrate --noinput && python manage.py grant_runtime_role ozgeris_app" in (
        services["migrate"]["command"])
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["DATABASE_URL"].startswith(runtime), name
    assert services["migrate"]["environment"]["SECRET_KEY"] == (
        services["web"]["environment"]["SECRET_KEY"])


def test_the_compose_services_come_back_after_a_crash_or_a_reboot():
    services = _compose()["services"]

    for name in ("db", "redis", "web", "worker", "beat"):
        assert services[name]["restart"] == "unless-stopped", name
    assert services["migrate"]["restart"] == "no"


def test_the_database_container_creates_the_two_roles_and_the_runtime_one_is_plain():
    services = _compose()["services"]
    assert "./deploy/postgres-init:/docker-entrypoint-initdb.d:ro" in (
        (ROOT / "docker-compose.yml").read_text())
    script = (ROOT / "deploy/postgres-init/01-roles.sh").read_text()
    roles = dict(re.findall(r"CREATE ROLE (\w+) ([^;]*);", script))

    assert set(roles) == {"ozgeris_owner", "ozgeris_app"}
    for attributes in roles.values():
        words = attributes.split()
        assert {"LOGIN", "NOSUPERUSER", "NOCREATEDB", "NOCREATEROLE"} <= set(words)
        assert not {"SUPERUSER", "CREATEDB", "CREATEROLE", "BYPASSRLS"} & set(words)
    assert re.search(r"ALTER DATABASE \S+ OWNER TO ozgeris_owner;", script)
    assert services["db"]["environment"]["POSTGRES_USER"] not in roles


def test_the_compose_services_must_be_given_the_votes_own_keys():
    """The mailbox hash's key must not change with SECRET_KEY during a vote, and checkpoints
    are signed with a key of their own: compose refuses to start without either."""
    services = _compose()["services"]

    for name in ("migrate", "web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["VOTE_MAILBOX_KEY"].startswith("${VOTE_MAILBOX_KEY:?"), name
        assert environment["VOTE_CHECKPOINT_KEY"].startswith("${VOTE_CHECKPOINT_KEY:?"), name
