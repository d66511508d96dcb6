"""The import rules of ARCHITECTURE.md, checked on the source so a new import cannot break them."""

import ast
import os
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
