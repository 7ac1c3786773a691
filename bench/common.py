"""What every benchmark module shares: paths, the environment of a run, HTTP, wrk and its parsing.

A benchmark module (bench/run.py's MODULES) has `TITLE`, `measure(ctx) -> dict` (JSON, kept
in var/bench/<name>.json) and `report(result) -> Section` (its rows of the Targets table and
its own part of bench/RESULTS.md). Work that needs Django runs in a child process with the
run's environment: `run_inner(ctx.env, "bench.pdfs:inner_watermark")`.
"""

import importlib
import json
import os
import platform
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
RESULTS = ROOT / "bench" / "RESULTS.md"
PROTO = {"X-Forwarded-Proto": "https"}
PG_DB = "trustcenter_bench"
REDIS_DB = 14


@dataclass
class Context:
    """One run: the environment every process gets, what it runs on, and the load settings."""

    env: dict
    about: dict
    duration: str = "5s"
    rounds: int = 3


@dataclass
class Section:
    """A module's part of the report: rows for the Targets table (label, measured, holds: True,
    False or None for no target) and Markdown lines for its own section."""

    targets: list[tuple[str, str, bool | None]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def importable(module: str) -> bool:
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0  # noqa: S603


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={**PROTO, **(headers or {})})  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def manage(env: dict, *args: str, timeout: int = 600) -> str:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def git_commit() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)  # noqa: S607
    return result.stdout.strip() or "unknown"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def cpu_count() -> int:
    return os.cpu_count() or 1


# --- the environment -------------------------------------------------------------------------


def bench_env(*, reset: bool = True) -> tuple[dict, dict]:
    """Environment for every process of the run, and a description of it for the report."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "trustcenter.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "AUDIT_HMAC_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "https://127.0.0.1",
        "BEHIND_TLS_PROXY": "1",
        "VAR_DIR": str(WORK / "var"),
        "PRIVATE_ROOT": str(WORK / "var" / "private"),
        "BENCH_BYTES_DIR": str(WORK / "bytes"),
        # wrk comes from one address: the per-IP limits would turn the run into 429s.
        "RATE_LIMIT_SEARCH": "1000000000/m",
        "RATE_LIMIT_PDF_EXPORT": "1000000000/m",
        "RATE_LIMIT_DOWNLOAD_USER": "1000000000/m",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    about = {"database": "SQLite (var/bench)", "cache": "local memory, per process"}
    if importable("psycopg") and reachable(5432):
        if reset:
            subprocess.run(  # noqa: S603
                [sys.executable, "-c", _PG_RESET.format(db=PG_DB)], check=True, env=env, timeout=60
            )
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
        env["DATABASE_CONN_MAX_AGE"] = os.environ.get("DATABASE_CONN_MAX_AGE", "60")
        about["database"] = f"PostgreSQL 127.0.0.1:5432/{PG_DB}"
    if importable("redis") and reachable(6379):
        env["REDIS_URL"] = f"redis://127.0.0.1:6379/{REDIS_DB}"
        if reset:
            subprocess.run(  # noqa: S603
                [sys.executable, "-c", f"import redis; redis.Redis(db={REDIS_DB}).flushdb()"], check=True, timeout=60
            )
        about["cache"] = f"Redis 127.0.0.1:6379/{REDIS_DB}, shared by all workers"
    return env, about


_PG_RESET = """
import psycopg
with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
    conn.execute("DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    conn.execute("CREATE DATABASE {db}")
"""


# --- wrk -------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(url: str, duration: str = "5s", headers: dict | None = None, connections: int = 32) -> dict:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{duration}", "--latency", "-H", "X-Forwarded-Proto: https"]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    args.append(url)
    result = subprocess.run(args, capture_output=True, text=True, timeout=120)  # noqa: S603
    return parse_wrk(result.stdout, url, result.stderr)


def parse_wrk(out: str, url: str = "", stderr: str = "") -> dict:
    if "Requests/sec" not in out or "Latency Distribution" not in out:
        raise SystemExit(f"wrk {url} failed:\n{out}\n{stderr}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "non2xx": int(bad.group(1)) if bad else 0,
        "timeouts": int(errors.group(4)) if errors else 0,
        "raw": out,
    }


def median_result(results: list[dict]) -> dict:
    # A round in which not one request completed (every worker restarting at once) has no
    # latency to speak of: it is counted, shown, and left out of the medians.
    valid = [r for r in results if r["rps"] > 0] or results
    return {
        "rps": statistics.median(r["rps"] for r in valid),
        "p50": statistics.median(r["p50"] for r in valid),
        "p99": statistics.median(r["p99"] for r in valid),
        "empty_rounds": len(results) - len([r for r in results if r["rps"] > 0]),
        "non2xx": sum(r["non2xx"] for r in results),
        "timeouts": sum(r["timeouts"] for r in results),
        "rounds": [round(r["rps"]) for r in results],
    }


# --- Django work in a child process ------------------------------------------------------------


def run_inner(env: dict, target: str, timeout: int = 900) -> dict:
    """Run `module:function` in a child with Django set up; it returns a JSON-able dict."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bench.run", "--inner", target],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        return {"error": (result.stderr or result.stdout)[-2000:]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def inner(target: str) -> dict:
    import django

    django.setup()
    module, function = target.split(":")
    return getattr(importlib.import_module(module), function)()


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"
