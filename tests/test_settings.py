"""Production settings refuse to start half-configured and pass Django's deployment checks."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def run(args, **env):
    clean = {k: v for k, v in os.environ.items()
             if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "VOTE_MAILBOX_KEY", "VOTE_CHECKPOINT_KEY",
                          "PORTAL_URL"}}
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


def test_a_limit_that_is_not_a_number_stops_the_start_with_its_name():
    result = run(["manage.py", "check"], VOTE_FLAG_ADDRESS_MAX="ten")

    assert result.returncode != 0
    assert "VOTE_FLAG_ADDRESS_MAX must be a whole number, not 'ten'" in result.stderr


@pytest.mark.parametrize(("value", "kind", "expected"), [
    ("", int, 7), ("  ", int, 7), (" 12 ", int, 12), ("2.5", float, 2.5), ("0", int, 0),
])
def test_a_number_from_the_environment_or_its_default(monkeypatch, value, kind, expected):
    from ozgeris.settings import env_number

    monkeypatch.setenv("OZGERIS_TEST_NUMBER", value)

    assert env_number("OZGERIS_TEST_NUMBER", 7, kind=kind) == expected


@pytest.mark.parametrize(("value", "kind"), [
    ("-1", int), ("1.5", int), ("1e3x", int), ("nan", float), ("inf", float), ("-0.5", float)])
def test_a_negative_or_malformed_count_is_refused(monkeypatch, value, kind):
    from django.core.exceptions import ImproperlyConfigured

    from ozgeris.settings import env_number

    monkeypatch.setenv("OZGERIS_TEST_NUMBER", value)

    with pytest.raises(ImproperlyConfigured, match="OZGERIS_TEST_NUMBER"):
        env_number("OZGERIS_TEST_NUMBER", 7, kind=kind)


def test_starttls_and_implicit_tls_together_stop_the_start():
    result = run(["manage.py", "check"], EMAIL_USE_TLS="true", EMAIL_USE_SSL="true")

    assert result.returncode != 0
    assert "EMAIL_USE_TLS and EMAIL_USE_SSL" in result.stderr


def test_an_smtp_server_that_never_answers_cannot_hold_the_outbox_for_ever():
    from django.core.mail import get_connection

    connection = get_connection("django.core.mail.backends.smtp.EmailBackend")

    assert connection.timeout == settings.EMAIL_TIMEOUT == 30


def check_deploy(**env):
    """``check --deploy`` in production with a strong SECRET_KEY, a host and the portal's
    address, and the vote's keys as given."""
    return run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
               DJANGO_ENV="production", SECRET_KEY="k3y-" + "z9Q!x7#pL2@wR5$" * 4,
               ALLOWED_HOSTS="ozgeris.kz", **{"PORTAL_URL": "https://ozgeris.kz", **env})


def test_production_settings_pass_the_deployment_checks():
    result = check_deploy(VOTE_MAILBOX_KEY="m4ilbox-" + "a7Zq" * 12,
                          VOTE_CHECKPOINT_KEY="11" * 32)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_says_before_the_first_request_that_the_votes_keys_are_missing():
    result = check_deploy(VOTE_CHECKPOINT_KEY="not-a-key")

    assert result.returncode != 0
    assert "voting.E001" in result.stderr and "VOTE_CHECKPOINT_KEY must be" in result.stderr
    assert "voting.W001" in result.stderr


@pytest.mark.parametrize("address", [None, "http://ozgeris.kz", "https://localhost:8443"])
def test_production_says_before_the_first_request_where_mailed_links_would_point(address):
    result = check_deploy(VOTE_MAILBOX_KEY="m4ilbox-" + "a7Zq" * 12,
                          VOTE_CHECKPOINT_KEY="11" * 32,
                          **({"PORTAL_URL": address} if address else {"PORTAL_URL": ""}))

    assert result.returncode != 0
    assert "ozgeris.E002" in result.stderr


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


def test_the_compose_services_must_be_told_where_the_portal_is_reached():
    """Mailed links (a password reset among them) start with PORTAL_URL: its default, the
    address of `make run`, would send people to 127.0.0.1."""
    services = _compose()["services"]

    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["PORTAL_URL"].startswith("${PORTAL_URL:?"), name


def test_the_stack_does_not_start_unless_the_deployment_checks_pass():
    """Only ``check --deploy`` says that PORTAL_URL is http or loopback (ozgeris.E002) or that
    the checkpoints' key is missing (voting.E001); migrate alone runs the plain checks, and
    web, worker and beat wait for migrate to succeed."""
    services = _compose()["services"]

    assert services["migrate"]["command"].startswith(
        '["sh", "-c", "python manage.py check --deploy --fail-level ERROR && '
        'python manage.py migrate --noinput')
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"), name


def test_the_mail_and_sign_in_settings_reach_the_containers_and_the_owners_password_does_not():
    """The .env file only fills in compose's ${...}: a setting the services' environment does
    not list never reaches the portal (SMTP would try port 25 without a login)."""
    services = _compose()["services"]
    providers = ("GOOGLE", "FACEBOOK", "MAILRU", "YANDEX", "VK")
    expected = {"EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD",
                "EMAIL_USE_TLS", "EMAIL_USE_SSL", "EMAIL_TIMEOUT", "DEFAULT_FROM_EMAIL",
                *(f"{name}_{part}" for name in providers for part in ("CLIENT_ID", "SECRET"))}

    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert expected <= set(environment), (name, expected - set(environment))
        for variable in expected:
            assert environment[variable].startswith(f"${{{variable}:-"), (name, variable)
        assert not any("OZGERIS_OWNER_PASSWORD" in value for value in environment.values())


# The proxy in front (issue 15) -------------------------------------------------------------

NGINX_CONF = ROOT / "deploy/nginx/ozgeris.conf"


def _nginx_servers(conf):
    """The text of each top-level ``server { … }`` block (braces counted)."""
    servers = []
    for start in (found.end() for found in re.finditer(r"^server \{", conf, re.MULTILINE)):
        depth, end = 1, start
        while depth:
            depth += {"{": 1, "}": -1}.get(conf[end], 0)
            end += 1
        servers.append(conf[start:end - 1])
    return servers


def test_only_the_proxy_is_published_and_the_portal_believes_only_its_address():
    """gunicorn is reached by the proxy alone, and TRUSTED_PROXIES is the proxy's own fixed
    address, inside the network's fixed subnet: no other container, nor the network's gateway,
    can have its X-Forwarded-For believed."""
    import ipaddress

    compose = _compose()
    services = compose["services"]
    text = (ROOT / "docker-compose.yml").read_text()
    proxy = services["proxy"]

    assert proxy["image"].startswith("nginx:")
    assert proxy["restart"] == "unless-stopped"
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    assert "./deploy/nginx/ozgeris.conf:/etc/nginx/conf.d/default.conf:ro" in text
    assert [name for name, service in services.items() if "ports" in service] == ["proxy"]
    assert re.search(r'proxy:\n(?:    .*\n)*?    ports:\n      - "80:80"\n      - "443:443"\n',
                     text)
    address = proxy["networks"]["default"]["ipv4_address"]
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["TRUSTED_PROXIES"] == address, name
    default = re.fullmatch(r"\$\{OZGERIS_PROXY_ADDRESS:-([\d.]+)\}", address)[1]
    subnet = re.search(r"- subnet: \$\{OZGERIS_SUBNET:-([\d./]+)\}", text)[1]
    assert ipaddress.ip_address(default) in ipaddress.ip_network(subnet)
    assert ipaddress.ip_address(default) != next(ipaddress.ip_network(subnet).hosts())  # gateway


def test_the_proxy_refuses_a_body_larger_than_the_portal_takes_and_no_smaller():
    """nginx's client_max_body_size is Django's REQUEST_MAX_BYTES: the application form's
    five documents at the largest size the portal accepts, and its fields, fit; more does not
    reach gunicorn."""
    from applications.models import DocumentKind

    sizes = re.findall(r"^\s*client_max_body_size (\d+)([kKmMgG]?);", NGINX_CONF.read_text(),
                       re.MULTILINE)
    assert len(sizes) == 1, sizes
    number, unit = sizes[0]
    limit = int(number) * {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}[unit.lower()]

    assert limit == settings.REQUEST_MAX_BYTES
    assert len(DocumentKind) * settings.UPLOAD_MAX_BYTES < settings.REQUEST_MAX_BYTES
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= settings.REQUEST_MAX_BYTES


def test_the_proxys_access_log_never_records_a_receipts_code():
    """Every server logs with the portal's own format (the image's http-level default logs the
    whole request line and the referrer), and that format has no query string or referrer."""
    conf = NGINX_CONF.read_text()
    formats = dict(re.findall(r"log_format (\w+) ((?:'[^']*'\s*)+);", conf))
    servers = _nginx_servers(conf)

    assert set(formats) == {"ozgeris"}
    for variable in ("$request ", "$request\"", "$request_uri", "$args", "$arg_", "$query_string",
                     "$is_args", "$http_referer"):
        assert variable not in formats["ozgeris"], variable
    assert "$ozgeris_logged_uri" in formats["ozgeris"] and "$remote_addr" in formats["ozgeris"]
    assert re.search(r"map \$uri \$ozgeris_logged_uri \{\s*default \$uri;", conf)  # the path
    assert len(servers) == 2
    for server in servers:
        assert re.findall(r"access_log (\S+)(?: (\w+))?;", server) == [
            ("/var/log/nginx/access.log", "ozgeris")]
