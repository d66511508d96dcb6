"""Where a vote's time goes: database queries and Redis round trips per request, and the time
of the view's parts, in one process through Django's test client (no gunicorn, no wrk).

``request_cost`` gives bench/vote_load.py its ``vote_queries``, ``vote_redis_round_trips``
and ``baseline_queries`` figures. Run on its own after ``make bench`` (it reuses the
database ``ozgeris_bench`` the last run left, and voters the load runs did not reach)::

    .venv/bin/python -m bench.vote_profile

it also prints the mean time per request of the vote and of the baseline, and of the vote's
parts, so a change in voting/ or the middleware can be checked in a few seconds.
"""

import contextlib
import functools
import importlib
import inspect
import os
import time
from collections import defaultdict
from http.cookies import SimpleCookie
from urllib.parse import urlencode

BASELINE_PATH = "/bench/insert/1/"


def unused_voters(number):
    """Indices of ``number`` voters who have not voted, from the top of the range (the load
    runs reach those last, if ever)."""
    from django.contrib.auth import get_user_model

    emails = (get_user_model().objects.filter(email__endswith="@bench.example.kz",
                                              vote_links__isnull=True)
              .order_by("-email").values_list("email", flat=True)[:number])
    return [int(email[len("voter"):].split("@")[0]) for email in emails]


def post(client, path, voter):
    """The POST bench/wrk/vote.lua sends for ``voter``."""
    from bench.vote_data import csrf_secret, session_key

    client.cookies = SimpleCookie()
    client.cookies["sessionid"] = session_key(voter)
    client.cookies["csrftoken"] = csrf_secret(voter)
    # Form-encoded, as a browser and wrk send it (the test client would send multipart).
    return client.post(path, urlencode({"csrfmiddlewaretoken": csrf_secret(voter),
                                        "age_bracket": "", "region": "", "website": ""}),
                       content_type="application/x-www-form-urlencoded")


def client():
    from django.test import Client

    return Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)


def urlconf(name):
    from django.test.utils import override_settings

    return override_settings(ROOT_URLCONF=name) if name else contextlib.nullcontext()


def request_cost(path, voter, warm_voter, root_urlconf=None):
    """(status, database queries, Redis round trips: their command names) of ``voter``'s
    POST to ``path``, after
    one POST of ``warm_voter`` (the first request of a process opens connections). A Redis
    round trip is a command sent on its own or a pipeline (Celery's publish uses one)."""
    import redis
    from django.db import connection

    queries, trips = [], []

    def count_query(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    def counted(function):
        def wrapper(self, *args, **options):
            trips.append(args[0] if args else "pipeline")
            return function(self, *args, **options)

        return wrapper

    command, pipeline = redis.Redis.execute_command, redis.client.Pipeline.execute
    web = client()
    with urlconf(root_urlconf):
        post(web, path, warm_voter)
        redis.Redis.execute_command = counted(command)
        redis.client.Pipeline.execute = counted(pipeline)
        try:
            with connection.execute_wrapper(count_query):
                response = post(web, path, voter)
        finally:
            redis.Redis.execute_command, redis.client.Pipeline.execute = command, pipeline
    return response.status_code, len(queries), trips


def _timer(function, label, totals):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            totals[label] += time.perf_counter() - started

    return wrapper


# Timed where they exist (voting/ changes; a part that is gone is skipped).
PARTS = [
    ("voting.views", "over_limit", "view: rate limits (Redis)"),
    ("voting.views", "_ballot_programme", "view: the programme (process memory)"),
    ("voting.views", "VoteForm.answers", "view: the optional answers"),
    ("voting.services", "cast_vote", "cast_vote, all of it"),
    ("voting.services", "ballot_facts", "  cast_vote: the finalists (process memory)"),
    ("voting.services", "_store", "  cast_vote: the checks, the vote and its link"),
    ("voting.services", "existing_receipt", "  cast_vote: the voter's earlier receipt"),
    ("voting.services", "_request_seal", "  cast_vote: seal_ledger.delay (Redis)"),
]


def _patch(owner, name, label, totals):
    """Time ``owner``'s attribute ``name`` ("function" or "Class.method") if it exists."""
    *path, attribute = name.split(".")
    for part in path:
        owner = getattr(owner, part, None)
    if owner is None or not hasattr(owner, attribute):
        return
    current = inspect.getattr_static(owner, attribute)
    if isinstance(current, classmethod):
        setattr(owner, attribute, classmethod(_timer(current.__func__, label, totals)))
    else:
        setattr(owner, attribute, _timer(current, label, totals))


def profile_vote(path, voters):
    """Mean ms per vote request, and per part of it, over ``voters`` (patches the parts)."""
    from django.contrib.auth import middleware
    from django.contrib.sessions.backends.db import SessionStore

    totals = defaultdict(float)
    for module_name, name, label in PARTS:
        _patch(importlib.import_module(module_name), name, label, totals)
    SessionStore.save = _timer(SessionStore.save, "session save", totals)
    middleware.auth.get_user = _timer(middleware.auth.get_user,
                                      "middleware: session and user", totals)
    total = mean_ms(path, voters)
    return total, {label: seconds / len(voters) * 1000 for label, seconds in totals.items()}


def mean_ms(path, voters, root_urlconf=None):
    web = client()
    with urlconf(root_urlconf):
        started = time.perf_counter()
        for voter in voters:
            post(web, path, voter)
    return (time.perf_counter() - started) / len(voters) * 1000


def main():
    import django

    django.setup()
    from applications.models import Application, Status

    finalist = Application.objects.filter(status=Status.FINALIST).values_list(
        "pk", flat=True).first()
    vote_path = f"/vote/finalists/{finalist}/vote/"
    from django.db import connection

    from bench import baseline

    voters = unused_voters(604)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {baseline.TABLE}")
    status, queries, commands = request_cost(vote_path, voters[0], voters[1])
    print(f"vote: status {status}, {queries} queries, Redis round trips: {commands}")
    status, queries, commands = request_cost(BASELINE_PATH, voters[2], voters[3],
                                             root_urlconf="bench.baseline")
    print(f"baseline: status {status}, {queries} queries, Redis round trips: {commands}")
    baseline = mean_ms(BASELINE_PATH, voters[4:304], root_urlconf="bench.baseline")
    print(f"baseline: {baseline:.2f} ms per request")
    total, parts = profile_vote(vote_path, voters[304:604])
    print(f"vote: {total:.2f} ms per request, of which")
    for label, ms in parts.items():
        print(f"  {ms:6.2f} ms  {label}")


if __name__ == "__main__":
    import tempfile

    from bench.vote_load import bench_environment

    os.environ.update({**bench_environment(), "OZGERIS_VAR_DIR": os.environ.get(
        "OZGERIS_VAR_DIR") or tempfile.mkdtemp(prefix="ozgeris-vote-profile-")})
    main()
