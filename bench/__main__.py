"""Run the benchmarks on a throw-away database and print their figures.

Figures, one per line:
  seed_demo_s          time to load the demo programme into a fresh database
  home_page_per_s      home page renders per second (Django test client, one process)
  home_page_queries    database queries per home page render
  applications_export_10k_s, applications_export_10k_peak_mb
                       see bench/applications_export.py
  jury_results_1000x6_ms, jury_results_queries
                       see bench/jury_results.py
  report_pdf_s, report_pdf_peak_mb
                       the 2019 grant report PDF: see bench/report_pdf.py
  votes_per_s, p50_ms, p99_ms, baseline_per_s, vote_ratio_to_baseline, duplicates, lost,
  finalists_page_per_s, two_nodes_votes_per_s, two_nodes_duplicates, two_nodes_lost,
  two_nodes_unanswered, two_nodes_tally_matches, vote_queries, vote_redis_round_trips,
  baseline_queries
                       the vote under load on PostgreSQL + Redis with gunicorn and wrk, one
                       and two web nodes, against a bare insert view: see bench/vote_load.py
                       (a line "vote_load=skipped: ..." when PostgreSQL, Redis or wrk is
                       missing; the other figures do not need them)
"""

import os
import sys
import tempfile
import time
from pathlib import Path


def main():
    workdir = Path(tempfile.mkdtemp(prefix="ozgeris-bench-"))
    os.environ.setdefault("OZGERIS_VAR_DIR", str(workdir))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ozgeris.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(f"seed_demo_s={time.perf_counter() - started:.2f}")

    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0])
    client.get("/")
    client.get("/")  # the visitor cookie is recorded when it first comes back
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get("/")
    rounds = 300
    started = time.perf_counter()
    for _ in range(rounds):
        response = client.get("/")
        assert response.status_code == 200
    elapsed = time.perf_counter() - started
    print(f"home_page_per_s={rounds / elapsed:.0f}")
    print(f"home_page_queries={len(queries)}")

    from bench import applications_export, jury_results, report_pdf, vote_load

    report_pdf.run()  # first: the benches below add thousands of applications to the demo
    applications_export.run()
    jury_results.run()
    sys.stdout.flush()
    vote_load.run()


if __name__ == "__main__":
    main()
