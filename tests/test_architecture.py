"""The import rules of docs/architecture.md, checked on the source so that a new import cannot
break them."""

import ast
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = {"ozgeris", "applications", "jury", "voting", "events", "reporting"}

# package → the project packages it must never import
FORBIDDEN = {
    "ozgeris": APPS - {"ozgeris"} | {"tests"},
    "applications": {"jury", "voting", "events", "reporting", "tests"},
    "jury": {"voting", "events", "reporting", "tests"},
    "voting": {"jury", "events", "reporting", "tests"},
    "events": {"jury", "voting", "reporting", "tests"},
    "reporting": {"applications", "jury", "voting", "events", "tests"},
}


def imported_packages(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0], node.lineno


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_respects_the_import_rules(package):
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in (ROOT / package).rglob("*.py")
        for name, line in imported_packages(path)
        if name in FORBIDDEN[package]
    ]
    assert offences == []


def test_nothing_reads_the_shared_folder_at_run_time():
    shared = os.path.join("..", "shared")
    offences = [
        str(path.relative_to(ROOT))
        for package in APPS | {"bench", "scripts"}
        for path in (ROOT / package).rglob("*.py")
        if shared in path.read_text(encoding="utf-8")
    ]
    assert offences == []


def documented_paths():
    """Every `app/file.ext` the README and docs/ name in code quotes, where the first folder is
    one of the repository's own (so "the app's `demo/live.py`" is read as prose, not a path).
    A migration may be named by its number alone (`voting/migrations/0009`)."""
    top = {entry.name for entry in ROOT.iterdir()} - {"var"}  # var/: made at run time
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for quoted in re.findall(r"`([A-Za-z0-9_.{},*-]+/[A-Za-z0-9_.{},*/-]*)`",
                                 doc.read_text(encoding="utf-8")):
            if quoted.split("/")[0] in top:
                yield doc.relative_to(ROOT), quoted


def test_the_map_names_only_files_that_exist():
    """docs/architecture.md and the README are the newcomer's map: a renamed module must take
    its name in them along (issue 17)."""
    missing = [f"{doc}: {path}" for doc, path in documented_paths()
               if not all(any(ROOT.glob(pattern(each))) for each in expand_braces(path))]
    assert list(documented_paths()), "the documents name no file at all: the pattern is wrong"
    assert missing == []


def pattern(path):
    """A migration's number stands for its file; any other name must be whole."""
    return path + "_*.py" if re.search(r"/migrations/\d{4}$", path) else path


def expand_braces(path):
    """`locale/{ru,kk}/x.po` → both paths (glob has no braces)."""
    match = re.search(r"\{([^{}]*)\}", path)
    if not match:
        return [path.rstrip("/")]
    return [expanded for choice in match.group(1).split(",")
            for expanded in expand_braces(path[:match.start()] + choice + path[match.end():])]


def settings_read_from_the_environment():
    """Every variable ozgeris/settings.py reads: os.environ.get, its env_* helpers, and the
    social providers' ``<PREFIX>_CLIENT_ID``/``_SECRET`` pairs."""
    source = (ROOT / "ozgeris/settings.py").read_text()
    names = set(re.findall(
        r"""(?:os\.environ\.get|env_bool|env_list|env_number)\(\s*["']([A-Z0-9_]+)["']""", source))
    for prefix in re.findall(r'social_provider\("([A-Z]+)"', source):
        names |= {f"{prefix}_CLIENT_ID", f"{prefix}_SECRET"}
    return names


def test_the_readme_lists_every_setting_read_from_the_environment_and_no_other():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("### Settings from the environment")[1].split("\n#")[0]
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    listed = {name for cell in first_cells for name in re.findall(r"`([A-Z0-9_]+)`", cell)}
    # A provider's pair written once by its prefix: `FACEBOOK_…`.
    prefixes = set(re.findall(r"`([A-Z]+)_…`", table))
    read = settings_read_from_the_environment()

    assert sorted(name for name in read - listed
                  if name.removesuffix("_CLIENT_ID").removesuffix("_SECRET") not in prefixes
                  ) == []
    assert sorted(listed - read) == []
