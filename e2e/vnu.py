"""The Nu Html Checker on the HTML the portal served to the browser journeys (issue 19).

Every browser context the journeys open records the documents of the portal's own origin that
it received (the served HTML, not the DOM after scripts ran) through ``ServedHtml.watch``; each
distinct page is written to ``var/e2e/html/``. At the end of the session the checker runs once
on all of them (Java starts in about two seconds, so never per page) and the session fails with
one line per error: the page's address, the line, the message.

The checker is ``vnu.jar`` from the npm package ``vnu-jar`` (pinned below), installed with
npm into ``var/vnu/`` when missing (its post-install script, which would fetch a Java runtime,
is skipped: Debian's ``java`` runs it).
"""

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

VNU_VERSION = "26.9.27"

# Errors in markup we do not write and cannot reasonably override, each with its reason. A
# message is matched whole; keep this list short: fix our templates first.
ALLOWED = {
}

CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


class HtmlCheckUnavailable(RuntimeError):
    pass


def vnu_jar(root):
    """The path of vnu.jar under ``root``/var/vnu, installed with npm the first time."""
    if shutil.which("java") is None:  # said at the start, not after the whole run
        raise HtmlCheckUnavailable("java is missing (apt-get install default-jre-headless): "
                                   "it runs vnu.jar")
    prefix = Path(root) / "var" / "vnu"
    jar = prefix / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    if jar.exists() and _installed_version(prefix) == VNU_VERSION:
        return jar
    npm = shutil.which("npm")
    if npm is None:
        raise HtmlCheckUnavailable("npm is missing (apt-get install npm): it installs vnu-jar")
    prefix.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(  # noqa: S603 - a pinned package from the npm registry
        [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--ignore-scripts",
         f"vnu-jar@{VNU_VERSION}"], capture_output=True, text=True, check=False)
    if done.returncode or not jar.exists():
        raise HtmlCheckUnavailable(f"npm install vnu-jar@{VNU_VERSION} failed:\n{done.stderr}")
    return jar


def _installed_version(prefix):
    manifest = prefix / "node_modules" / "vnu-jar" / "package.json"
    try:
        return json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


class ServedHtml:
    """The distinct HTML documents of the portal the browser received in this session."""

    def __init__(self, folder, origin):
        self.folder = Path(folder)
        self.origin = origin
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.pages = {}  # file name -> the address it was served at
        self.seen = set()

    def watch(self, context):
        """Record each HTML document of the portal that ``context`` finishes loading."""
        context.on("requestfinished", self._finished)

    def _finished(self, request):
        if request.resource_type != "document" or not request.url.startswith(self.origin):
            return
        response = request.response()
        if response is None or not response.headers.get("content-type", "").startswith(
                "text/html"):
            return
        try:
            body = response.body()
        except Exception:  # noqa: BLE001 - the page navigated on and the body went with it
            return
        self.add(request.method, request.url, response.status, body.decode("utf-8", "replace"))

    def add(self, method, url, status, html):
        # A CSRF token differs at each load; the same page with another token is the same page.
        digest = hashlib.sha256(CSRF_VALUE.sub(r"\1\2", html).encode()).hexdigest()[:12]
        if digest in self.seen:
            return
        self.seen.add(digest)
        address = urlsplit(url)
        slug = re.sub(r"[^a-z0-9]+", "-", address.path.lower()).strip("-") or "home"
        name = f"{len(self.pages) + 1:04d}-{slug[:60]}-{status}-{digest}.html"
        (self.folder / name).write_text(html)
        where = address.path + (f"?{address.query}" if address.query else "")
        self.pages[name] = f"{method} {where} ({status})"

    def check(self, jar):
        """Run the checker once on every recorded page; the errors left as readable lines."""
        if not self.pages:
            return []
        done = subprocess.run(  # noqa: S603
            [shutil.which("java") or "java", "-jar", str(jar), "--format", "json",
             "--errors-only", "--skip-non-html", *sorted(self.pages)],
            cwd=self.folder, capture_output=True, text=True, check=False)
        report = done.stderr.strip() or done.stdout.strip()
        (self.folder / "vnu.json").write_text(report)
        try:
            messages = json.loads(report)["messages"]
        except (ValueError, KeyError) as error:
            raise HtmlCheckUnavailable(f"vnu gave no report ({error}):\n{report[:2000]}") from None
        return [line for line in (self._line(message) for message in messages) if line]

    def _line(self, message):
        text = message.get("message", "")
        if message.get("type") not in ("error", "non-document-error"):
            return None
        if text in ALLOWED:
            return None
        name = Path(urlsplit(message.get("url", "")).path).name
        page = self.pages.get(name, name)
        return f"{page} line {message.get('lastLine', '?')}: {text} [{name}]"
