"""The lock files pin what pyproject.toml allows: a fresh clone installs exactly them (make
and the Dockerfile install with --require-hashes), so they must not drift from the ranges."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pins(name):
    text = (ROOT / name).read_text()
    return {canonicalize_name(package): version
            for package, version in re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", text, re.M)}


@pytest.mark.parametrize(("lock", "requirements"), [
    ("requirements.lock", PROJECT["dependencies"]),
    ("requirements-dev.lock",
     PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"]),
])
def test_each_lock_pins_every_requirement_inside_its_range(lock, requirements):
    pinned = pins(lock)
    for line in requirements:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{lock} lacks {name}: run make lock"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"{lock} pins {name}=={pinned[name]}, outside {requirement.specifier}: make lock")


def test_every_pin_carries_its_hashes():
    for lock in ("requirements.lock", "requirements-dev.lock"):
        blocks = re.split(r"\n(?=[A-Za-z0-9_.\-]+==)", (ROOT / lock).read_text())
        for block in blocks[1:]:
            assert "--hash=sha256:" in block, block.splitlines()[0]


def test_the_image_and_make_install_from_the_locks():
    assert "--require-hashes -r requirements.lock" in (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements-dev.lock" in (ROOT / "Makefile").read_text()
