"""The access logs keep no token of a personal link (ozgeris.access_log): gunicorn's logger as
deployed, and nginx's map, which masks the same paths. The proxy drill checks both servers
for real (tests/test_proxy_drill.py)."""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from gunicorn.config import Config

from ozgeris.access_log import Logger, private_path

from .test_settings import ROOT

TOKEN = "SECRET-TOKEN-0123"
# The URL parameters that carry a secret: every route with one is a personal link.
SECRET_PARAMETERS = {"token", "key"}


def _personal_links():
    """(route name, an address of it with TOKEN) for every route with a secret parameter."""
    found = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                namespace = f"{pattern.namespace}:" if pattern.namespace else ""
                walk(pattern.url_patterns, prefix + namespace)
            elif isinstance(pattern, URLPattern) and pattern.name and (
                    SECRET_PARAMETERS & set(pattern.pattern.regex.groupindex)):
                kwargs = {name: (TOKEN if name in SECRET_PARAMETERS else 2031)
                          for name in pattern.pattern.regex.groupindex}
                found.append((prefix + pattern.name, reverse(prefix + pattern.name,
                                                             kwargs=kwargs)))

    walk(get_resolver().url_patterns)
    return found


def _deployed(option):
    values = {name: re.search(rf'"{option}",\s*"([^"]+)"', (ROOT / name).read_text())
              for name in ("Dockerfile", "docker-compose.yml")}
    assert all(values.values()), values
    (value,) = {found[1] for found in values.values()}
    return value


def test_the_personal_links_are_the_ones_expected():
    names = {name for name, _path in _personal_links()}
    assert {"calendar_personal", "segment_mail:unsubscribe", "applications:accept_invitation",
            "account_confirm_email", "account_reset_password_from_key"} <= names


@pytest.mark.parametrize("path", [path for _name, path in _personal_links()] + [
    path.rstrip("/") for _name, path in _personal_links()])  # a link cut at the last slash
def test_gunicorns_access_log_as_deployed_keeps_no_token(path):
    assert _deployed("--logger-class") == "ozgeris.access_log.Logger"
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": path, "PATH_INFO": path, "QUERY_STRING": "",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "203.0.113.7"}
    atoms = Logger(Config()).atoms(SimpleNamespace(status="200 OK", sent=10, headers=[]),
                                   SimpleNamespace(headers=[]), environ,
                                   datetime.timedelta(milliseconds=3))

    line = _deployed("--access-logformat") % atoms

    assert TOKEN not in line and "203.0.113.7" in line
    assert line.count("/") >= path.count("/") - 1  # the route is still there to read


def _nginx_map():
    """nginx's map of logged paths, as (Python pattern, replacement) pairs."""
    conf = (ROOT / "deploy" / "nginx" / "ozgeris.conf").read_text()
    body = re.search(r"map \$uri \$ozgeris_logged_uri \{(.*?)\n\}", conf, re.DOTALL)[1]
    pairs = re.findall(r'^\s*"~(.+?)"\s+"(.+?)";$', body, re.MULTILINE)
    return [(re.compile(pattern.replace("(?<", "(?P<")),
             re.sub(r"\$\{(\w+)\}", r"\\g<\1>", replacement)) for pattern, replacement in pairs]


@pytest.mark.parametrize("path", [path for _name, path in _personal_links()] + [
    path.rstrip("/") for _name, path in _personal_links()] + [
    "/vote/finalists/3/", "/calendar/2031.ics", "/apply/"])
def test_nginx_masks_the_same_paths_as_gunicorn(path):
    logged = path
    for pattern, replacement in _nginx_map():
        if pattern.match(path):
            logged = pattern.sub(replacement, path)
            break

    assert logged == private_path(path)
