"""Every environment variable the code reads is documented, and the documented values work."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

# Runs in the first pass of `make test` only: the settings are read in subprocesses.
pytestmark = pytest.mark.any_backend

ROOT = Path(settings.BASE_DIR)
READERS = {"env_str", "env_bool", "env_int", "env_list", "getenv"}
# Files whose environment reads configure the deployed app (tests and tools have their own).
SOURCES = [*sorted((ROOT / "trustcenter").rglob("*.py")), ROOT / "gunicorn.conf.py"]
# Set by manage.py/wsgi.py for Django itself, not by an operator.
NOT_CONFIGURATION = {"DJANGO_SETTINGS_MODULE"}


def _first_string_arg(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def variables_read_by_the_code() -> dict[str, str]:
    """Name -> the file that reads it: env_* helpers, os.getenv, os.environ.get and os.environ[...]."""
    found = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            name = None
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name) and func.id in READERS:
                    name = _first_string_arg(node)
                elif isinstance(func, ast.Attribute) and (
                    func.attr in READERS or (func.attr == "get" and ast.unparse(func.value) == "os.environ")
                ):
                    name = _first_string_arg(node)
            elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                if isinstance(node.slice, ast.Constant):
                    name = node.slice.value
            if name and name not in NOT_CONFIGURATION:
                found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def variables_in_env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            values[match[1]] = match[2]
    return values


def variables_in_configuration_table() -> set[str]:
    """The names in the first column of the settings table in docs/configuration.md."""
    page = (ROOT / "docs" / "configuration.md").read_text()
    section = page.split("\n## Every setting", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("|"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", first_cell))
    return names


def test_the_scan_finds_the_variables_we_know_about():
    found = variables_read_by_the_code()
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "S3_BUCKET", "GUNICORN_WORKERS", "RATE_LIMIT_SEARCH"):
        assert name in found


def test_every_variable_the_code_reads_is_in_env_example():
    missing = sorted(set(variables_read_by_the_code()) - set(variables_in_env_example()))
    assert not missing, f"add these to .env.example with a one-line comment: {missing}"


def test_env_example_lists_nothing_the_code_does_not_read():
    stale = sorted(set(variables_in_env_example()) - set(variables_read_by_the_code()))
    assert not stale, f"no code reads these any more; remove them from .env.example: {stale}"


def test_every_variable_has_a_comment_above_it_or_its_group():
    lines = (ROOT / ".env.example").read_text().splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^[A-Z][A-Z0-9_]*=", line):
            above = index - 1
            while above >= 0 and re.match(r"^[A-Z][A-Z0-9_]*=", lines[above]):
                above -= 1
            assert above >= 0 and lines[above].startswith("# "), f"{line!r} has no comment"


def test_every_variable_the_code_reads_is_in_the_configuration_page_table():
    missing = sorted(set(variables_read_by_the_code()) - variables_in_configuration_table())
    assert not missing, f"add these to the settings table in docs/configuration.md: {missing}"


def _production_env(**extra) -> dict[str, str]:
    """The values of .env.example (blank ones left unset) as a production process would see them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_"))}
    for name in variables_in_env_example():
        env.pop(name, None)
    env.update({k: v for k, v in variables_in_env_example().items() if v})
    env["SECRET_KEY"] = "an-example-key-" + "x" * 50
    env["AUDIT_HMAC_KEY"] = "an-example-audit-key-" + "y" * 50
    env["VAR_DIR"] = extra.pop("VAR_DIR")
    env["PRIVATE_ROOT"] = env["VAR_DIR"] + "/private"
    env.update(extra)
    return env


def test_the_example_values_pass_the_deployment_checks(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(VAR_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def _gunicorn_config(tmp_path, **env) -> dict[str, str]:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "--print-config"],
        cwd=ROOT,
        env=_production_env(VAR_DIR=str(tmp_path), **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return dict(re.findall(r"^(\w+)\s*=\s*(.*)$", result.stdout, re.MULTILINE))


def test_gunicorn_defaults_fit_pdf_rendering_and_recycle_workers(tmp_path):
    config = _gunicorn_config(tmp_path, GUNICORN_WORKERS="")
    assert config["workers"] == str(2 * len(os.sched_getaffinity(0)) + 1)
    assert int(config["timeout"]) >= 120
    # Workers are replaced by memory (post_request in gunicorn.conf.py), not after a request count.
    assert config["max_requests"] == "0"
    assert "post_request" in config["post_request"]
    assert config["wsgi_app"] == "trustcenter.wsgi:application"
    assert config["bind"] == "['127.0.0.1:8000']"


def test_gunicorn_settings_come_from_the_environment(tmp_path):
    config = _gunicorn_config(
        tmp_path, GUNICORN_WORKERS="3", GUNICORN_TIMEOUT="300", GUNICORN_BIND="unix:/run/tc.sock,127.0.0.1:9000"
    )
    assert config["workers"] == "3" and config["timeout"] == "300"
    assert config["bind"] == "['unix:/run/tc.sock', '127.0.0.1:9000']"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("GUNICORN_WORKERS", "many", "GUNICORN_WORKERS must be a whole number"),
        ("GUNICORN_WORKERS", "0", "GUNICORN_WORKERS and GUNICORN_TIMEOUT must be at least 1"),
    ],
)
def test_a_bad_gunicorn_value_stops_with_a_message(tmp_path, name, value, message):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "--print-config"],
        cwd=ROOT,
        env=_production_env(VAR_DIR=str(tmp_path), **{name: value}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


def test_every_variable_in_the_configuration_table_is_one_the_code_reads():
    documented = variables_in_configuration_table()
    stale = sorted(documented - set(variables_read_by_the_code()))
    assert not stale, f"docs/configuration.md describes settings the code no longer reads: {stale}"
