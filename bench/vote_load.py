"""Benchmark: the public vote under load, on PostgreSQL + Redis, one and two web nodes.

``run()`` (called by bench/__main__.py) checks that PostgreSQL, Redis and ``wrk`` are there
and runs this module in a process of its own, since the other benches hold Django set up on
SQLite. That process recreates the database ``ozgeris_bench``, flushes its own Redis
database (14; never the others), makes the data in bulk (bench/vote_data.py), and then:

1. one gunicorn node for the vote and a baseline node (bench/settings.py: the same settings
   and middleware, bench/baseline.py's view that inserts one row with a unique key), both
   started and warmed up first; then BENCH_ROUNDS rounds, each BENCH_VOTE_SECONDS of wrk
   casting votes (bench/wrk/vote.lua, each request a fresh signed-in voter) followed by as
   long on the baseline with the same script, then half as long of wrk GETting the anonymous
   finalists page. Alternating them in short rounds gives all three the same machine: a
   shared machine's speed drifts over a minute by more than the differences being measured;
2. two gunicorn nodes (one database, one Redis), two wrk processes in parallel on disjoint
   voters.

Celery: REDIS_URL makes the portal queue the ledger seal on Redis after each vote (as in
production); no worker runs, so the web side pays the enqueue and no worker competes for the
two cores. The bench seals the ledger itself at the end and checks it with verify_ledger's
logic (voting.ledger.verify).

Figures: votes_per_s, p50_ms, p99_ms, baseline_per_s, vote_ratio_to_baseline, duplicates
(votes beyond one per account), lost (acknowledged votes not stored), finalists_page_per_s,
two_nodes_votes_per_s, two_nodes_duplicates, two_nodes_lost, two_nodes_unanswered (votes
whose answer wrk never read: in flight when it stopped), two_nodes_tally_matches (the
ledger's tally per finalist equals the acknowledged votes plus stored unanswered ones),
then vote_queries, vote_redis_round_trips and baseline_queries per request (bench/vote_profile.py,
which also says where a vote's time goes when run on its own). The database and the Redis
database are left as the run ends, for that profile; the next run starts them afresh.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/")
DATABASE = "ozgeris_bench"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
SECONDS = int(os.environ.get("BENCH_VOTE_SECONDS", 4))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 4))
# The anonymous finalists page is measured in each round too, so its rate and the vote's come
# from the same moments of a machine whose speed drifts.
PAGE_SECONDS = max(1, SECONDS // 2)
# Each wrk connection has its voters (every 8th), and gunicorn's workers do not share the
# connections evenly: one alone on a worker may run at several hundred requests a second. So
# a round has 500 voters per connection and second, and the two-node run (twice as long, 16
# connections) as many.
ROUND_VOTERS = 500 * SECONDS * 8
VOTERS = (ROUNDS + 2) * ROUND_VOTERS
VOTE_PATH = "/vote/finalists/%d/vote/"
BASELINE_PATH = "/bench/insert/%d/"
ROOT = Path(__file__).resolve().parent.parent


def bench_environment():
    """The environment of the bench's Django process and of its gunicorn nodes."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ozgeris.settings",
        "DATABASE_URL": ADMIN_URL.rstrip("/") + "/" + DATABASE,
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": "ozgeris-bench",
        "DJANGO_ENV": "development",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        # All load comes from 127.0.0.1: the per-address limit would refuse nearly all of it.
        "VOTE_RATE_PER_ACCOUNT": "1000000/s",
        "VOTE_RATE_PER_IP": "1000000/s",
        "LOG_LEVEL": "WARNING",
    }


def missing_prerequisite():
    """Why the bench cannot run here, or None."""
    if shutil.which("wrk") is None:
        return "wrk is not installed"
    try:
        import psycopg2

        psycopg2.connect(ADMIN_URL.rstrip("/") + "/postgres", connect_timeout=3).close()
    except Exception as exc:  # noqa: BLE001 - any failure means no PostgreSQL to bench on
        return f"PostgreSQL is not available at {ADMIN_URL} ({' '.join(str(exc).split())})"
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        return f"Redis is not available at {REDIS_URL} ({exc})"
    return None


def run():
    """Entry point from bench/__main__.py: a line saying why it was skipped, or the figures."""
    reason = missing_prerequisite()
    if reason:
        print(f"vote_load=skipped: {reason}")
        return
    sys.stdout.flush()
    completed = subprocess.run([sys.executable, "-m", "bench.vote_load"], cwd=ROOT,
                               env=bench_environment(), check=False)
    if completed.returncode != 0:
        print(f"vote_load=failed (exit {completed.returncode})")


def recreate_database_and_cache():
    import psycopg2
    import redis

    connection = psycopg2.connect(ADMIN_URL.rstrip("/") + "/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {DATABASE}")
    connection.close()
    redis.Redis.from_url(REDIS_URL).flushdb()


def main():
    recreate_database_and_cache()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import baseline, vote_data

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(baseline.CREATE_TABLE)
    programme, finalists = vote_data.create_programme()
    index_of = vote_data.create_voters(VOTERS)
    settle(connection)
    connection.close()
    phases = Phases(programme, finalists, index_of)
    phases.run()


def settle(connection):
    """After the bulk data: analyse and vacuum now, and write the dirty pages out, so that
    neither autovacuum nor a checkpoint falls into one measured run rather than another."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")


def merged(runs):
    """The wrk results of several rounds as one: counts and voters added up; of the
    latencies, the median round's p50 and the worst round's p99."""
    total = {"acked_voters": [], "error_voters": [], "unanswered_voters": [], "statuses": {},
             "requests": 0, "duration_us": 0, "socket_errors": 0, "exhausted": 0}
    for run in runs:
        for name in ("acked_voters", "error_voters", "unanswered_voters"):
            total[name] += run[name]
        for name in ("requests", "duration_us", "socket_errors", "exhausted"):
            total[name] += run[name]
        for status, number in run["statuses"].items():
            total["statuses"][status] = total["statuses"].get(status, 0) + number
    total["p50_us"] = sorted(run["p50_us"] for run in runs)[len(runs) // 2]
    total["p99_us"] = max(run["p99_us"] for run in runs)
    return total


class Phases:
    """The runs of one bench, their checks and their printed figures."""

    def __init__(self, programme, finalists, index_of):
        self.programme = programme
        self.finalists = finalists
        self.index_of = index_of
        self.env = bench_environment()
        self.log_dir = os.environ["OZGERIS_VAR_DIR"]
        self.orphans_seen = 0
        self.answered = []

    def node(self, settings="ozgeris.settings"):
        from bench.servers import Node

        node = Node(self.env, settings, self.log_dir)
        self.nodes.append(node)
        node.wait_ready()
        return node

    def run(self):
        """Each figure is printed as soon as it is known."""
        from bench.servers import finish_vote_wrk, get_rate, run_vote_wrk, start_vote_wrk

        two_nodes, two_nodes_half = ROUNDS * ROUND_VOTERS, (ROUNDS + 1) * ROUND_VOTERS
        self.nodes = []
        try:
            node, baseline = self.node(), self.node("bench.settings")
            get_rate(node.url + "/vote/", 1)  # warm the workers up (connections, templates)
            get_rate(baseline.url + "/", 1)
            votes, bases, pages = [], [], []
            for number in range(ROUNDS):
                voters = (number * ROUND_VOTERS, (number + 1) * ROUND_VOTERS)
                votes.append(run_vote_wrk(node.url, VOTE_PATH, voters, self.finalists,
                                          SECONDS))
                bases.append(run_vote_wrk(baseline.url, BASELINE_PATH, voters,
                                          self.finalists, SECONDS))
                pages.append(get_rate(node.url + "/vote/", PAGE_SECONDS))
            page_rate = sum(rate for rate, _bad in pages) / len(pages)
            page_errors = sum(bad for _rate, bad in pages)
            node.stop()
            baseline.stop()
            one, base = merged(votes), merged(bases)
            if one["exhausted"] or base["exhausted"]:
                # A run that ran out of fresh voters stopped early: its rate means nothing.
                raise SystemExit("vote_load=failed: a connection ran out of voters (raise "
                                 "ROUND_VOTERS)")
            votes_per_s = self.rate(one)
            print(f"votes_per_s={votes_per_s:.0f}")
            print(f"p50_ms={one['p50_us'] / 1000:.1f}")
            print(f"p99_ms={one['p99_us'] / 1000:.1f}", flush=True)
            baseline_per_s = self.rate(base)
            duplicates, lost, _ = self.check([one])
            print(f"baseline_per_s={baseline_per_s:.0f}")
            print(f"vote_ratio_to_baseline={votes_per_s / baseline_per_s:.2f}")
            print(f"duplicates={duplicates}")
            print(f"lost={lost}")
            print(f"finalists_page_per_s={page_rate:.0f}", flush=True)
            print(f"# rounds of {SECONDS} s, votes/s against baseline/s (finalists page/s, "
                  f"{PAGE_SECONDS} s): " + ", ".join(
                      f"{self.rate(v):.0f}/{self.rate(b):.0f} ({p:.0f})"
                      for v, b, (p, _bad) in zip(votes, bases, pages, strict=True)))

            first, second = self.node(), self.node()
            for each in (first, second):
                get_rate(each.url + "/vote/", 1)
            runs = [start_vote_wrk(first.url, VOTE_PATH, (two_nodes, two_nodes_half),
                                   self.finalists, 2 * SECONDS),
                    start_vote_wrk(second.url, VOTE_PATH, (two_nodes_half, VOTERS),
                                   self.finalists, 2 * SECONDS)]
            two = [finish_vote_wrk(*each) for each in runs]
        finally:
            for each in self.nodes:
                each.stop()
        two_rate = sum(len(r["acked_voters"]) for r in two) / (
            max(r["duration_us"] for r in two) / 1e6)
        duplicates, lost, unanswered = self.check(two)
        print(f"two_nodes_votes_per_s={two_rate:.0f}")
        print(f"two_nodes_duplicates={duplicates}")
        print(f"two_nodes_lost={lost}")
        print(f"two_nodes_unanswered={unanswered}")
        print(f"two_nodes_tally_matches={'yes' if self.tally_matches() else 'no'}")
        for name, results in (("vote", one), ("baseline", base), ("node1", two[0]),
                              ("node2", two[1])):
            print(f"# {name}: statuses {results['statuses']}, socket errors "
                  f"{results['socket_errors']}, exhausted {results['exhausted']}")
        if page_errors:
            print(f"# finalists page: {page_errors} answers not 2xx/3xx")
        self.print_costs()

    def print_costs(self):
        """Queries and Redis round trips of one vote and of one baseline request (after the
        tally: these two votes are not part of it)."""
        from bench.vote_profile import BASELINE_PATH, request_cost, unused_voters

        voters = unused_voters(4)
        status, queries, trips = request_cost(VOTE_PATH % self.finalists[0], *voters[:2])
        print(f"vote_queries={queries}")
        print(f"vote_redis_round_trips={len(trips)}")
        print(f"# one vote: status {status}, Redis {' '.join(trips)}")
        _, queries, _ = request_cost(BASELINE_PATH, *voters[2:], root_urlconf="bench.baseline")
        print(f"baseline_queries={queries}")

    def rate(self, results):
        return len(results["acked_voters"]) / (results["duration_us"] / 1e6)

    def check(self, results_list):
        """(duplicates, lost, unanswered but stored) for the voters these runs used."""
        from voting.models import Vote, VoterLink

        links = VoterLink.objects.filter(programme=self.programme)
        stored = Counter(self.index_of.get(pk) for pk in links.values_list("voter_id", flat=True))
        orphans = Vote.objects.filter(programme=self.programme).count() - links.count()
        new_orphans, self.orphans_seen = orphans - self.orphans_seen, orphans
        sent = set()
        acked = set()
        unanswered = set()
        for results in results_list:
            acked.update(results["acked_voters"])
            unanswered.update(results["unanswered_voters"])
            sent.update(results["acked_voters"], results["error_voters"],
                        results["unanswered_voters"])
        duplicates = sum(stored[v] - 1 for v in sent if stored[v] > 1) + new_orphans
        lost = len([v for v in acked if not stored[v]])
        self.answered.extend(acked)
        self.answered.extend(v for v in unanswered if stored[v])
        return duplicates, lost, len([v for v in unanswered if stored[v]])

    def tally_matches(self):
        """Seal what the queued tasks would have, then compare the ledger's tally per finalist
        with the votes the bench knows were cast (acknowledged, or stored though unanswered)."""
        from voting import ledger

        ledger.seal(self.programme.pk)
        problems, _head, tally = ledger.verify(self.programme)
        expected = Counter(self.finalists[v % len(self.finalists)] for v in self.answered)
        for problem in problems[:5]:
            print(f"# ledger: {problem}")
        return not problems and tally == dict(expected)


if __name__ == "__main__":
    # Run on its own (python -m bench.vote_load), it makes the environment run() would.
    if "OZGERIS_VAR_DIR" not in os.environ:
        os.environ.update({**bench_environment(),
                           "OZGERIS_VAR_DIR": tempfile.mkdtemp(prefix="ozgeris-vote-bench-")})
    main()
