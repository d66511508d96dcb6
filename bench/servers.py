"""Processes of the vote load bench: gunicorn nodes and wrk runs.

Every process is started in its own session and stopped by its own process group, so
stopping a node also stops its workers and nothing else on the machine.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VOTE_LUA = Path(__file__).resolve().parent / "wrk" / "vote.lua"
# Tuned on the 2-core reference machine, where wrk and PostgreSQL share the cores with the
# web workers: a few processes with threads (gthread keeps connections alive; sync workers
# close each one). The baseline runs with exactly the same.
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "gthread")
WORKERS = int(os.environ.get("BENCH_WORKERS", 3))
THREADS = int(os.environ.get("BENCH_THREADS", 4))
# wrk: one connection per thread for the vote script (see bench/wrk/vote.lua).
WRK_CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", 8))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Node:
    """One gunicorn process (a web node) on a free port."""

    def __init__(self, env, settings_module, log_dir):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(Path(log_dir) / f"gunicorn-{self.port}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "ozgeris.wsgi:application",
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(WORKERS),
             "--worker-class", WORKER_CLASS, "--threads", str(THREADS),
             "--keep-alive", "5", "--log-level", "warning"],
            cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": settings_module},
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout=60):
        """Any HTTP answer means the workers serve (the baseline urlconf has no /healthz)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn on port {self.port} exited: see {self.log.name}")
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=2).close()  # noqa: S310
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn on port {self.port} did not answer in {timeout} s")

    def stop(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass
        self.log.close()


def start_vote_wrk(url, path_template, voters, finalists, seconds):
    """Start wrk on ``url`` with the vote script for voters ``range(*voters)``.
    Returns (process, results file) for ``finish_vote_wrk``."""
    out = tempfile.NamedTemporaryFile(prefix="wrk-vote-", suffix=".txt", delete=False)  # noqa: SIM115
    out.close()
    process = subprocess.Popen(
        ["wrk", f"-t{WRK_CONNECTIONS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s",
         "--timeout", "10s", "-s", str(VOTE_LUA), url, "--", path_template, str(voters[0]),
         str(voters[1]), ",".join(map(str, finalists)), str(WRK_CONNECTIONS)],
        env={**os.environ, "BENCH_WRK_OUT": out.name},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    return process, out.name


def finish_vote_wrk(process, out_name):
    """Wait for a vote wrk run; its figures as a dict (see done() in bench/wrk/vote.lua)."""
    output, _ = process.communicate()
    text = Path(out_name).read_text()
    os.unlink(out_name)
    if process.returncode != 0 or not text:
        raise RuntimeError(f"wrk failed: {output}")
    results = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    for name in ("acked_voters", "error_voters", "unanswered_voters"):
        results[name] = [int(v) for v in results[name].split(",") if v]
    results["statuses"] = dict(
        (int(s), int(n)) for s, n in (p.split(":") for p in results["statuses"].split(",") if p))
    for name in ("requests", "duration_us", "p50_us", "p99_us", "socket_errors", "exhausted"):
        results[name] = int(results[name])
    return results


def run_vote_wrk(url, path_template, voters, finalists, seconds):
    return finish_vote_wrk(*start_vote_wrk(url, path_template, voters, finalists, seconds))


def get_rate(url, seconds):
    """Requests per second of plain GETs of ``url``, and how many answers were not 2xx/3xx."""
    output = subprocess.run(
        ["wrk", "-t2", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", url],
        capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return rate, int(bad.group(1)) if bad else 0
