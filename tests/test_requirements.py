"""The pins in requirements*.txt and the hashed locks that make installs from agree."""

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PIN_RE = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]+\])?==([^\s;#]+)", re.M)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    return {_normal(name): version for name, version in PIN_RE.findall(path.read_text(encoding="utf-8"))}


@pytest.mark.parametrize(
    ("wanted", "lock"), [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")]
)
def test_every_pin_is_in_its_lock_at_the_same_version(wanted, lock):
    locked = pins(ROOT / lock)
    for name, version in pins(ROOT / wanted).items():
        assert locked.get(name) == version, (
            f"{wanted} pins {name}=={version}, {lock} has {locked.get(name)}; run `make lock`"
        )


def test_every_direct_requirement_is_pinned_exactly():
    for wanted in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / wanted).read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-r"):
                assert PIN_RE.match(line), f"{wanted}: {line!r} is not pinned with =="


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_locked_package_carries_hashes(lock):
    text = (ROOT / lock).read_text(encoding="utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text)
    packages = [entry for entry in entries if PIN_RE.match(entry)]
    assert len(packages) > 20
    for entry in packages:
        assert "--hash=sha256:" in entry, entry.splitlines()[0]
