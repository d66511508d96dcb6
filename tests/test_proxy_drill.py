"""Proxy drill (issue 15, "A real proxy in the stack"): nginx on docker-compose.yml's own proxy
configuration (deploy/nginx/ozgeris.conf, over TLS) in front of two gunicorn nodes, with
PostgreSQL and a Redis of the drill's own (tests/drill_stack.py). Each process is started here
on 127.0.0.1 and a free port and stopped through its own handle.

Visitors are told apart by their source address: on Linux the whole of 127.0.0.0/8 is local, so
a client socket bound to 127.0.0.2 or 127.20.3.11 before it connects reaches nginx from that
address. The nodes trust the proxy's address alone (TRUSTED_PROXIES=127.0.0.1: nginx connects
to them from 127.0.0.1), so no visitor here uses 127.0.0.1 itself.

The figures are printed (``pytest -s`` shows them).
"""

import http.client
import re
import shutil
from collections import Counter
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.conf import settings
from django.db import connection

from .drill_stack import ROOT, Nginx, RedisServer, WebNode, stack_environment, wait_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(shutil.which("nginx") is None,
                       reason="needs nginx (Debian's package; .ci/run installs it)"),
]

CACHE_PREFIX = "ozgeris-proxy-drill"
# Votes allowed per client address: a day's window, so that the drill's few seconds never
# straddle two windows.
PER_ADDRESS = 3


def _deployed_access_log_args():
    """docker-compose.yml's gunicorn access log: its logger class and format."""
    compose = (ROOT / "docker-compose.yml").read_text()
    return ["--logger-class", re.search(r'"--logger-class",\s*"([^"]+)"', compose)[1],
            "--access-logformat", re.search(r'"--access-logformat",\s*"([^"]+)"', compose)[1]]


@pytest.fixture
def stack(tmp_path):
    """Redis, two gunicorn nodes (with docker-compose.yml's access log) and nginx before them."""
    logs = tmp_path / "logs"
    logs.mkdir()
    redis = RedisServer(logs)
    env = stack_environment(settings_dict=connection.settings_dict, redis_url=redis.url,
                            var_dir=tmp_path / "var", cache_prefix=CACHE_PREFIX)
    env.update({"TRUSTED_PROXIES": "127.0.0.1", "VOTE_RATE_PER_IP": f"{PER_ADDRESS}/d"})
    access_logs = [logs / f"gunicorn-access-{number}.log" for number in range(2)]
    nodes = [WebNode(env, logs, workers=1, extra_args=[
        "--access-logfile", str(path), *_deployed_access_log_args()])
        for path in access_logs]
    nginx = Nginx(tmp_path / "nginx", [node.port for node in nodes])
    try:
        redis.start()
        for node in nodes:
            node.start()
        nginx.start()
        yield SimpleNamespace(nodes=nodes, nginx=nginx, access_logs=access_logs)
    finally:
        nginx.stop()
        for node in nodes:
            node.stop()
        redis.stop()


def _voters(number, tag):
    """``number`` verified voters whose accounts predate the vote, each with a session and a
    CSRF secret for raw HTTP: (user id, session key, CSRF secret)."""
    from datetime import timedelta

    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from ozgeris.models import User

    from .factories import signed_in_session

    long_ago = timezone.now() - timedelta(days=60)
    voters = []
    for index in range(number):
        user = User.objects.create_user(email=f"{tag}{index:03d}@proxy-drill.example.kz",
                                        password=None, date_joined=long_ago,
                                        email_verified_at=long_ago)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        voters.append(signed_in_session(user))
    return voters


def _access_logs(stack):
    """(nginx's access log, gunicorn's nodes' access logs together) as written so far."""
    return (stack.nginx.access_log.read_text(),
            "".join(path.read_text() for path in stack.access_logs if path.exists()))


def _send(stack, method, path, *, source, headers=None, body=None, direct=False):
    """One request from ``source``: through nginx over TLS, or ``direct`` to the first gunicorn
    node over plain HTTP (what a client reaching gunicorn past the proxy would do).
    Returns (status, Location)."""
    if direct:
        conn = http.client.HTTPConnection("127.0.0.1", stack.nodes[0].port, timeout=30,
                                          source_address=(source, 0))
    else:
        conn = http.client.HTTPSConnection("127.0.0.1", stack.nginx.https_port, timeout=30,
                                           source_address=(source, 0),
                                           context=stack.nginx.tls_context())
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location") or ""
    finally:
        conn.close()


def _vote(stack, source, voter, finalist_pk, *, headers=None, direct=False):
    _pk, session_key, csrf = voter
    body = urlencode({"age_bracket": "", "region": "", "website": "",
                      "csrfmiddlewaretoken": csrf})
    port = stack.nodes[0].port if direct else stack.nginx.https_port
    origin = f"http://127.0.0.1:{port}" if direct else f"https://127.0.0.1:{port}"
    return _send(stack, "POST", f"/vote/finalists/{finalist_pk}/vote/", source=source,
                 direct=direct, body=body, headers={
                     "Content-Type": "application/x-www-form-urlencoded",
                     "Cookie": f"sessionid={session_key}; csrftoken={csrf}",
                     "Origin": origin, **(headers or {})})


def _stored_addresses(voters):
    from voting.models import VoterLink

    found = dict(VoterLink.objects.filter(voter_id__in=[pk for pk, _s, _c in voters])
                 .values_list("voter_id", "client_ip"))
    return [found.get(pk) for pk, _s, _c in voters]


def test_each_visitor_behind_the_proxy_has_its_own_vote_limit_and_a_forged_header_is_not_believed(
        stack, finalists, vote_programme):
    voters = _voters(11, "limit")
    pk = finalists[0].pk
    first, second, third, outsider = "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"
    forged = {"X-Forwarded-For": "203.0.113.9"}

    hammering = [_vote(stack, first, voters[i], pk) for i in range(PER_ADDRESS + 2)]
    # The limited visitor claims another address: nginx writes the real one in its place.
    disguised = _vote(stack, first, voters[5], pk, headers=forged)
    other = [_vote(stack, second, voters[i], pk) for i in range(6, 6 + PER_ADDRESS)]
    through = _vote(stack, third, voters[9], pk, headers=forged)
    # Past the proxy, straight to gunicorn: the peer is not the proxy, its header is ignored.
    around = _vote(stack, outsider, voters[10], pk, headers=forged, direct=True)

    stored = _stored_addresses(voters)
    statuses = {"first": [status for status, _l in hammering], "disguised": disguised[0],
                "second": [status for status, _l in other], "through": through[0],
                "around": around[0]}
    print(f"\nproxy drill, vote limit {PER_ADDRESS} per address: statuses {statuses}; "
          f"addresses stored {Counter(address for address in stored if address)}")
    assert statuses == {"first": [302] * PER_ADDRESS + [429, 429], "disguised": 429,
                        "second": [302] * PER_ADDRESS, "through": 302, "around": 302}
    assert stored == [first] * PER_ADDRESS + [None] * 3 + [second] * PER_ADDRESS + [
        third, outsider]

    # The first visitor's votes went to both nodes: the limit is one, kept in Redis.
    nginx_log = stack.nginx.access_log.read_text()
    nodes = set(re.findall(rf"^{re.escape(first)} .*\"POST /vote/\S+ HTTP/1.1\" \d+ \d+ \S+ (\S+)$",
                           nginx_log, re.MULTILINE))
    print(f"proxy drill: the first visitor's votes were answered by {sorted(nodes)}")
    assert nodes == {f"127.0.0.1:{node.port}" for node in stack.nodes}

    # The receipt page's address carries its code: neither access log keeps it.
    code = parse_qs(urlparse(hammering[0][1]).query)["code"][0]
    assert _send(stack, "GET", f"/vote/receipt/?{urlencode({'code': code})}",
                 source=first)[0] == 200

    # Nor do they keep a personal link's token (ozgeris.access_log, nginx's map).
    _send(stack, "GET", "/calendar/2031/PERSONAL-FEED-TOKEN.ics", source=first)

    # Each server writes its line once the response is sent, so the client can be answered
    # before either line is on disk: wait for both.
    wait_until(lambda: all("/vote/receipt/" in log and "/calendar/2031/-.ics" in log
                           for log in _access_logs(stack)),
               "the receipt page and the feed's masked path in both access logs")
    logs = "".join(_access_logs(stack))
    assert code not in logs and "PERSONAL-FEED-TOKEN" not in logs


def test_a_hundred_visitors_through_the_proxy_are_counted_and_none_is_flagged(
        stack, finalists, vote_programme):
    """Through the proxy, each visitor's vote keeps its own address: the fraud review's
    address and subnet rules see a hundred visitors, not one address casting a hundred votes.
    Four visitors share each /24 (the subnet rule's unit), as neighbours on one network do.
    The vote opened ten minutes ago, so a hundred votes are its usual pace rather than a burst
    after an hour of silence: no rule at all may flag them."""
    from datetime import timedelta

    from django.utils import timezone

    from voting import results, review
    from voting.models import Vote, VoteFlag

    vote_programme.voting_opens_at = timezone.now() - timedelta(minutes=10)
    vote_programme.save(update_fields=["voting_opens_at"])
    voters = _voters(100, "crowd")
    sources = [f"127.20.{index // 4}.{10 + index % 4}" for index in range(100)]

    statuses = Counter(_vote(stack, source, voter, finalists[index % 3].pk)[0]
                       for index, (source, voter) in enumerate(zip(sources, voters, strict=True)))
    review.flag_suspicious(vote_programme)

    stored = _stored_addresses(voters)
    counted = sum(results.tally(vote_programme, fresh=True).values())
    flags = Counter(VoteFlag.objects.filter(vote__programme=vote_programme)
                    .values_list("rule", flat=True))
    print(f"\nproxy drill, 100 visitors: statuses {dict(statuses)}; distinct addresses stored "
          f"{len(set(stored))}; votes counted {counted}; flags by rule {dict(flags)} "
          f"(thresholds: {settings.VOTE_FLAG_ADDRESS_MAX} per address, "
          f"{settings.VOTE_FLAG_SUBNET_MAX} per subnet)")
    assert statuses == {302: 100}
    assert stored == sources
    assert Vote.objects.filter(programme=vote_programme).count() == counted == 100
    assert flags == Counter()


def test_a_body_larger_than_the_portal_takes_is_refused_by_nginx_before_gunicorn(stack):
    """REQUEST_MAX_BYTES (client_max_body_size): one byte more is answered 413 by nginx from
    the request's headers alone, and no node hears of it; a body of exactly the limit goes
    through to gunicorn."""
    limit = settings.REQUEST_MAX_BYTES
    conn = http.client.HTTPSConnection("127.0.0.1", stack.nginx.https_port, timeout=30,
                                       source_address=("127.0.0.6", 0),
                                       context=stack.nginx.tls_context())
    try:
        conn.putrequest("POST", "/apply/too-large/")
        conn.putheader("Content-Type", "application/octet-stream")
        conn.putheader("Content-Length", str(limit + 1))
        conn.endheaders()  # the body is never sent: the answer comes first
        too_large = conn.getresponse().status
    finally:
        conn.close()
    fits = _send(stack, "POST", "/apply/just-fits/", source="127.0.0.7", body=b"x" * limit,
                 headers={"Content-Type": "application/octet-stream"})[0]

    wait_until(lambda: "/apply/just-fits/" in _access_logs(stack)[1],
               "the body that fits at gunicorn")
    nginx_log, gunicorn_log = _access_logs(stack)
    refused = re.search(r'^127\.0\.0\.6 .*"POST /apply/too-large/ HTTP/1.1" (\d+) \d+ \S+ (\S+)$',
                        nginx_log, re.MULTILINE)
    print(f"\nproxy drill, body of {limit + 1} bytes: {too_large} (nginx's upstream "
          f"{refused[2] if refused else None!r}); body of {limit} bytes: {fits} from gunicorn")
    assert too_large == 413
    assert refused and refused.groups() == ("413", "-")  # no upstream was asked
    assert "/apply/too-large/" not in gunicorn_log
    assert fits != 413
