"""Processes of the fault drills (tests/test_drills.py): a Redis server, a Celery worker and a
gunicorn node of each drill's own, on free ports.

Every process is started in its own session and stopped through its own handle (its process
group), so a drill stops only what it started: the machine's shared Redis on 6379 and the
PostgreSQL server are never signalled. Logs go to the drill's temporary folder. The browser
journeys' stack (e2e/conftest.py) finds its ports and waits for its processes with the same
``free_port`` and ``wait_until``.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
STARTUP_SECONDS = 30


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, what, timeout=STARTUP_SECONDS, process=None, interval=0.1):
    """Poll ``check`` until it is true; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {process.returncode}")
        try:
            if check():
                return
        except Exception:  # noqa: BLE001, S110 - not there yet
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached in {timeout} s")
        time.sleep(interval)


def _stop_group(process, timeout=15, sig=signal.SIGTERM):
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


class RedisServer:
    """``redis-server`` on a free port, nothing persisted (a restart comes back empty, as a
    crashed cache node would)."""

    def __init__(self, log_dir):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_dir = Path(log_dir)
        self.process = None
        self.starts = 0

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5,
                           socket_timeout=1)

    def ping(self):
        return self.client().ping()

    def start(self):
        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        with open(self.log_dir / f"redis-{self.port}-{self.starts}.log", "wb") as log:
            self.process = subprocess.Popen(  # noqa: S603
                ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port),  # noqa: S607
                 "--save", "", "--appendonly", "no", "--daemonize", "no"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(self.ping, f"redis on port {self.port}", process=self.process)

    def stop(self):
        """Kill it (a crash, not a shutdown): whatever it held is gone."""
        _stop_group(self.process, sig=signal.SIGKILL)

    def freeze(self):
        """SIGSTOP: the port still accepts connections (the kernel's backlog) but nothing
        answers, as with a hung or partitioned Redis."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self):
        os.kill(self.process.pid, signal.SIGCONT)

    def queue_length(self, queue="celery"):
        return self.client().llen(queue)

    def in_flight(self):
        """How many tasks a worker has taken and not yet acknowledged (late acknowledgement
        keeps each in kombu's ``unacked`` hash until the worker has finished it)."""
        return self.client().hlen("unacked")

    def idle(self, queue="celery"):
        """No task waiting and none being run: with late acknowledgement a task stays in
        kombu's ``unacked`` hash until the worker has finished it."""
        client = self.client()
        return client.llen(queue) == 0 and client.hlen("unacked") == 0


def database_url(settings_dict):
    """A DATABASE_URL naming the database the test runs on (the test database)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password, safe='')}@" if password else (
        f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


def stack_environment(*, settings_dict, redis_url, var_dir, cache_prefix, portal_url=""):
    """The environment of a drill's worker and web node: the test database, the drill's
    Redis, mail written to files under ``var_dir/mail`` (one file per message sent)."""
    var_dir = Path(var_dir)
    (var_dir / "mail").mkdir(parents=True, exist_ok=True)
    env = {
        key: value for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "EMAIL_BACKEND", "DJANGO_ENV"}
    }
    env.update({
        "DJANGO_SETTINGS_MODULE": "ozgeris.settings",
        "DATABASE_URL": database_url(settings_dict),
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": cache_prefix,
        "OZGERIS_VAR_DIR": str(var_dir),
        "MEDIA_ROOT": str(var_dir / "media"),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # All the drill's load comes from 127.0.0.1.
        "VOTE_RATE_PER_ACCOUNT": "1000000/s",
        "VOTE_RATE_PER_IP": "1000000/s",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    if portal_url:
        env["PORTAL_URL"] = portal_url
    return env


class CeleryWorker:
    """One ``celery worker`` on the drill's Redis and the test database: the solo pool, or
    ``pool="prefork"`` with ``concurrency`` children as docker-compose.yml runs it."""

    def __init__(self, env, log_dir, pool="solo", concurrency=1):
        self.env = env
        self.log_dir = Path(log_dir)
        self.pool = pool
        self.concurrency = concurrency
        self.process = None
        self.starts = 0
        self.name = f"drill{free_port()}"

    @property
    def log_path(self):
        return self.log_dir / f"{self.name}-{self.starts}.log"

    def start(self):
        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [str(BIN / "celery"), "-A", "ozgeris", "worker", f"--pool={self.pool}",
                 f"--concurrency={self.concurrency}", "-Q", "celery", "--without-heartbeat",
                 "--without-gossip", "--without-mingle", "-l", "info", "-n", f"{self.name}@%h"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        wait_until(lambda: " ready." in self.log_path.read_text(errors="replace"),
                   "celery worker", process=self.process, timeout=45)

    def stop(self):
        """A warm shutdown (SIGTERM), as a deploy or a scale-in does."""
        _stop_group(self.process)

    def running(self):
        return self.process is not None and self.process.poll() is None

    def log(self):
        return "\n".join(path.read_text(errors="replace")
                         for path in sorted(self.log_dir.glob(f"{self.name}-*.log")))


class WebNode:
    """One gunicorn master with its workers on a free port (``extra_args`` go to gunicorn)."""

    def __init__(self, env, log_dir, workers=2, threads=4, extra_args=()):
        self.env = env
        self.log_dir = Path(log_dir)
        self.workers = workers
        self.threads = threads
        self.extra_args = list(extra_args)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.starts = 0

    def start(self):
        import http.client

        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        with open(self.log_dir / f"gunicorn-{self.port}-{self.starts}.log", "wb") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [str(BIN / "gunicorn"), "ozgeris.wsgi:application", "--bind",
                 f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                 "--worker-class", "gthread", "--threads", str(self.threads),
                 "--timeout", "60", "--log-level", "warning", *self.extra_args],
                cwd=ROOT, env={**self.env, "PORTAL_URL": self.url}, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)

        def answers():
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                conn.request("GET", "/healthz")
                return conn.getresponse().status == 200
            finally:
                conn.close()

        wait_until(answers, "gunicorn", process=self.process)

    def kill(self):
        """SIGKILL to the master and its workers at once: requests in flight are cut."""
        _stop_group(self.process, sig=signal.SIGKILL)

    def stop(self):
        _stop_group(self.process)


class Nginx:
    """nginx in front of the drill's web nodes, on docker-compose.yml's own proxy configuration
    (deploy/nginx/ozgeris.conf): the same file with only its listen addresses (127.0.0.1 and
    free ports), its upstream's servers (the nodes), its certificate (a self-signed one for
    127.0.0.1, made here) and its access log moved. It runs in the foreground, as root (its
    worker too, to write in the drill's folder), with its pid file, logs and temporary files in
    ``run_dir``, and stops through its own handle."""

    CONF = ROOT / "deploy" / "nginx" / "ozgeris.conf"

    def __init__(self, run_dir, upstream_ports):
        self.dir = Path(run_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.upstream_ports = list(upstream_ports)
        self.http_port = free_port()
        self.https_port = free_port()
        self.access_log = self.dir / "access.log"
        self.error_log = self.dir / "error.log"
        self.certificate = self.dir / "tls" / "fullchain.pem"
        self.process = None

    def _site(self):
        servers = "\n    ".join(f"server 127.0.0.1:{port};" for port in self.upstream_ports)
        text = self.CONF.read_text()
        for old, new in {
            "listen 80;": f"listen 127.0.0.1:{self.http_port};",
            "listen 443 ssl;": f"listen 127.0.0.1:{self.https_port} ssl;",
            "server web:8000;": servers,
            "/etc/nginx/tls/": f"{self.certificate.parent}/",
            "/var/log/nginx/access.log": str(self.access_log),
        }.items():
            assert old in text, f"{old!r} is no longer in {self.CONF}: update drill_stack.Nginx"
            text = text.replace(old, new)
        return text

    def _main(self):
        temp = {name: self.dir / "temp" / name
                for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
        for folder in temp.values():
            folder.mkdir(parents=True, exist_ok=True)
        paths = "\n".join(f"    {name}_temp_path {folder};" for name, folder in temp.items())
        return (f"user root;\nworker_processes 1;\ndaemon off;\npid {self.dir}/nginx.pid;\n"
                f"error_log {self.error_log} info;\nevents {{ worker_connections 512; }}\n"
                f"http {{\n{paths}\n    include {self.dir}/site.conf;\n}}\n")

    def _make_certificate(self):
        import datetime
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = datetime.datetime.now(datetime.UTC)
        certificate = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
        self.certificate.parent.mkdir(parents=True, exist_ok=True)
        self.certificate.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        (self.certificate.parent / "privkey.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))

    def tls_context(self):
        """A client context that trusts the drill's certificate (and checks it)."""
        import ssl

        return ssl.create_default_context(cafile=str(self.certificate))

    def start(self):
        assert self.process is None or self.process.poll() is not None, "already running"
        self._make_certificate()
        (self.dir / "site.conf").write_text(self._site())
        (self.dir / "nginx.conf").write_text(self._main())

        def answers():
            with socket.create_connection(("127.0.0.1", self.https_port), timeout=1):
                return True

        with open(self.dir / "nginx.out", "wb") as log:
            self.process = subprocess.Popen(  # noqa: S603
                ["nginx", "-p", str(self.dir), "-e", str(self.error_log),  # noqa: S607
                 "-c", str(self.dir / "nginx.conf")],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until(answers, "nginx", process=self.process)
        except (AssertionError, RuntimeError) as error:
            raise AssertionError(f"{error}\n{self.errors()}") from error

    def stop(self):
        _stop_group(self.process)

    def errors(self):
        return "\n".join(path.read_text(errors="replace") for path in
                         (self.dir / "nginx.out", self.error_log) if path.exists())


MESSAGE_SEPARATOR = "-" * 79


def sent_mail(mail_dir):
    """The recipients of every message the file backend wrote: [(to header, subject)]."""
    found = []
    for path in sorted(Path(mail_dir).glob("*.log")):
        for chunk in path.read_text(errors="replace").split(MESSAGE_SEPARATOR):
            to = re.search(r"^To: (.+)$", chunk, re.MULTILINE)
            if to:
                subject = re.search(r"^Subject: (.+)$", chunk, re.MULTILINE)
                found.append((to.group(1).strip(), subject.group(1).strip() if subject else ""))
    return found


def mail_count(mail_dir, address):
    return sum(1 for to, _subject in sent_mail(mail_dir) if to == address)
