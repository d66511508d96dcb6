"""The browser journeys' stack: a fresh PostgreSQL database, a Redis server and a Celery worker
of their own, a gunicorn live server, and the system Chromium driven by Playwright.

Everything started here is stopped in the session's teardown (each process by its own handle;
the machine's shared Redis on 6379 is never touched). The test process itself reads and
arranges the database through the Django ORM (``django.setup()`` on the same DATABASE_URL),
to put the programme in the stage each journey needs.

Environment:
* ``E2E_DATABASE`` (default ``ozgeris_e2e``), dropped and recreated at each run;
* ``E2E_PG`` (default ``postgres://postgres@127.0.0.1:5432``), the PostgreSQL server;
* ``E2E_KEEP=1`` keeps the database after the run (to look at it).
Screenshots and the stack's logs land in ``var/e2e/``; the HTML the portal served to the browser
in ``var/e2e/html/``, checked once at the end by the Nu Html Checker (e2e/vnu.py).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.drill_stack import free_port, wait_until

from .vnu import HtmlCheckUnavailable, ServedHtml, vnu_jar

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "e2e"
PYTHON = sys.executable
BIN = Path(PYTHON).parent
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PG = os.environ.get("E2E_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASE = os.environ.get("E2E_DATABASE", "ozgeris_e2e")
STARTUP_SECONDS = 60


def _admin_sql(sql):
    import psycopg2

    connection = psycopg2.connect(f"{PG}/postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def recreate_database():
    _admin_sql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    _admin_sql(f'CREATE DATABASE "{DATABASE}"')


class Stack:
    """The processes of one run, each started with its log under var/e2e/logs/."""

    def __init__(self):
        self.processes = []
        self.logs = OUT / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def start(self, name, command, env):
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 - closed in stop()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,  # noqa: S603
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append((name, process, log))
        return process

    def start_portal(self, name, port, env, workers, *options):
        """gunicorn serving the portal on ``port``, waited for until /healthz answers; its URL."""
        url = f"http://127.0.0.1:{port}"
        web = self.start(name, [
            str(BIN / "gunicorn"), "ozgeris.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--threads", "4", "--timeout", "120", *options], env)
        wait_until(lambda: urllib.request.urlopen(f"{url}/healthz",  # noqa: S310
                                                  timeout=2).status == 200,
                   name, timeout=STARTUP_SECONDS, process=web)
        return url

    def stop(self):
        for _name, process, _log in reversed(self.processes):
            if process.poll() is None:
                # Its own process group (start_new_session): the worker's and gunicorn's
                # children go with it; nothing else is signalled.
                os.killpg(process.pid, signal.SIGTERM)
        for _name, process, log in reversed(self.processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
            log.close()


def _django_ready():
    from django.apps import apps

    return apps.ready


def _manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True,  # noqa: S603
                   stdout=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def stack():
    """Start Redis, the database, the Celery worker and gunicorn; yield the portal's URL."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium chromium-driver")
    for name in ("screens", "var"):
        shutil.rmtree(OUT / name, ignore_errors=True)
    (OUT / "screens").mkdir(parents=True)
    redis_port, web_port = free_port(), free_port()
    base_url = f"http://127.0.0.1:{web_port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ozgeris.settings",
        "DATABASE_URL": f"{PG}/{DATABASE}",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "CACHE_KEY_PREFIX": "ozgeris-e2e",
        "OZGERIS_VAR_DIR": str(OUT / "var"),
        "PORTAL_URL": base_url,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }
    stack = Stack()
    try:
        redis = stack.start("redis", ["redis-server", "--bind", "127.0.0.1", "--port",
                                      str(redis_port), "--save", "", "--appendonly", "no"], env)
        wait_until(lambda: subprocess.run(  # noqa: S603
            ["redis-cli", "-p", str(redis_port), "ping"], capture_output=True,  # noqa: S607
            text=True).stdout.strip() == "PONG", "redis", timeout=STARTUP_SECONDS, process=redis)
        recreate_database()
        _manage(env, "migrate", "--noinput", "-v", "0")
        _manage(env, "seed_demo", "-v", "0")
        # The test process arranges the stages through the ORM, on the same database.
        os.environ.update({key: env[key] for key in (
            "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "CACHE_KEY_PREFIX",
            "OZGERIS_VAR_DIR", "PORTAL_URL")})
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs a loop
        import django

        django.setup()
        worker = stack.start("celery", [
            str(BIN / "celery"), "-A", "ozgeris", "worker", "--beat", "--pool=solo",
            "--concurrency=1", "--loglevel=INFO", "--without-mingle", "--without-gossip",
            "--schedule", str(OUT / "var" / "celerybeat-schedule")], env)
        wait_until(lambda: "ready." in (stack.logs / "celery.log").read_text(),
                   "celery worker", timeout=STARTUP_SECONDS, process=worker)
        yield stack.start_portal("gunicorn", web_port, env, 2, "--access-logfile", "-")
    finally:
        stack.stop()
        if "django.db" in sys.modules and _django_ready():
            from django.db import connections

            connections.close_all()
        if os.environ.get("E2E_KEEP") != "1":
            try:
                _admin_sql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            except Exception as error:  # noqa: BLE001 - teardown reports, never masks
                print(f"could not drop {DATABASE}: {error}", file=sys.stderr)


@pytest.fixture(scope="session")
def browser(stack):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Shots:
    """Numbered full-page screenshots of one journey under var/e2e/screens/<journey>/."""

    def __init__(self, journey):
        self.folder = OUT / "screens" / journey
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def __call__(self, page, step):
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.failed_call = report.failed
    return report


# Every page of the portal reports each Content-Security-Policy violation to the console, where
# new_page collects it (a list kept in the page would go with the next navigation). Only the
# portal's own frames: an embedded video's frame answers to its own policy.
CSP_LISTENER = """
if (location.origin === %s) {
  document.addEventListener("securitypolicyviolation", (event) => {
    console.error(`CSP violation: ${event.effectiveDirective} refused`
                  + ` ${event.blockedURI || "inline"}`
                  + ` at ${event.sourceFile || location.href}:${event.lineNumber}`);
  });
}
"""


def is_csp_violation(message):
    return (message.text.startswith("CSP violation:")
            or "Content Security Policy" in message.text)  # the browser's own report


HTML_CHECKED = pytest.StashKey()  # (pages checked, errors) for the terminal summary


@pytest.fixture(scope="session")
def served_html(stack, pytestconfig):
    """Every distinct HTML page of the portal the browser received (``new_page`` records them),
    checked by the Nu Html Checker once the session's tests are done: errors fail the run."""
    try:
        jar = vnu_jar(ROOT)
    except HtmlCheckUnavailable as error:
        pytest.fail(str(error))
    pages = ServedHtml(OUT / "html", stack)
    yield pages
    errors = pages.check(jar)
    pytestconfig.stash[HTML_CHECKED] = (len(pages.pages), errors)
    if errors:
        pytest.fail(f"Nu Html Checker: {len(errors)} error(s) in the HTML served "
                    f"(var/e2e/html/):\n" + "\n".join(errors), pytrace=False)


def pytest_terminal_summary(terminalreporter, config):
    checked = config.stash.get(HTML_CHECKED, None)
    if checked is not None:
        count, errors = checked
        terminalreporter.write_line(f"Nu Html Checker: {count} page(s) of var/e2e/html/, "
                                    f"{len(errors)} error(s)")


def portal_context(browser, base_url, violations, language="ru", **options):
    """A fresh browser context on the portal at ``base_url``, in ``language``; every
    Content-Security-Policy violation of its pages is appended to ``violations``."""
    context = browser.new_context(base_url=base_url, locale=language,
                                  viewport={"width": 1280, "height": 900}, **options)
    context.add_cookies([{"name": "ozgeris_language", "value": language, "url": base_url}])
    context.set_default_timeout(15_000)
    context.add_init_script(CSP_LISTENER % json.dumps(base_url))
    context.on("console", lambda message: is_csp_violation(message) and violations.append(
        f"{message.page.url if message.page else '?'}: {message.text.split('. ')[0]}"))
    return context


def fail_on_csp_violations(violations):
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations))


@pytest.fixture
def new_page(browser, stack, served_html, request):
    """``new_page(journey, language="ru")`` -> (page, shots): a fresh browser context.

    The test fails (at teardown) if any page of its contexts violated the portal's
    Content-Security-Policy: the journeys run with the policy on and must not trip it."""
    contexts, violations = [], []

    def make(journey, language="ru"):
        context = portal_context(browser, stack, violations, language, accept_downloads=True)
        served_html.watch(context)
        contexts.append(context)
        return context.new_page(), Shots(journey)

    yield make
    for number, context in enumerate(contexts):
        if getattr(request.node, "failed_call", False):
            for index, page in enumerate(context.pages):  # what the failing step saw
                page.screenshot(path=str(OUT / "screens" / f"FAILED-{request.node.name}-"
                                         f"{number}-{index}.png"), full_page=True)
        context.close()
    fail_on_csp_violations(violations)
