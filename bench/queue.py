"""Benchmark of the job queue: jobs per second through it (a no-op job, and an email to a
local SMTP sink) and the delay from enqueue to start (p50/p99), on SQLite and on PostgreSQL
when it answers on 127.0.0.1:5432.

Run alone: `.venv/bin/python bench/queue.py` (prints a table; `main()` returns the rows).
Each database gets a fresh copy under var/bench/queue/ (SQLite) or the database
`trustcenter_bench_queue` (PostgreSQL); one `manage.py jobs_worker` does the work, as `make
run` starts it. Numbers depend on what else the machine runs.
"""

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where this module would stand in
# for the standard library's `queue` (which Django's dependencies import).
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench" / "queue"
PG_DB = "trustcenter_bench_queue"
THROUGHPUT_JOBS = 300
EMAIL_JOBS = 150
LATENCY_SAMPLES = {1.0: 30, 0.1: 100}  # poll interval of an idle worker (jobs_worker's default is 1 s) -> samples


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_", "TEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="trustcenter.settings",
        DEBUG="0",
        SECRET_KEY="bench-queue-" + "k" * 50,
        AUDIT_HMAC_KEY="bench-queue-audit-" + "a" * 50,  # required with DEBUG=0, as in production
        ALLOWED_HOSTS="127.0.0.1",
        VAR_DIR=str(WORK / "var"),
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
        EXPORTS_PRERENDER="0",
        # As deploy/trustcenter-worker@.service runs workers: one kept connection, not one per job.
        DATABASE_CONN_MAX_AGE=os.environ.get("DATABASE_CONN_MAX_AGE", "600"),
        PYTHONPATH=str(ROOT),
    )
    return env


def _postgres_available() -> bool:
    try:
        import psycopg

        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            pass
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DB}")
        return True
    except Exception:  # noqa: BLE001 - no driver, no server or no rights: SQLite only
        return False


def _databases() -> list[tuple[str, str]]:
    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "var").mkdir(parents=True)
    databases = [("SQLite", f"sqlite:///{WORK / 'queue.sqlite3'}")]
    if _postgres_available():
        databases.append(("PostgreSQL", f"postgres://postgres@127.0.0.1:5432/{PG_DB}"))
    return databases


def main(argv: list[str] | None = None) -> list[dict]:
    """Measure on each database; print a table and return one row per database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        return _measure(args.inner)
    rows = []
    for name, url in _databases():
        env = _env(url)
        print(f"[queue bench] {name}: migrating", flush=True)
        subprocess.run(  # noqa: S603 - fixed arguments
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        print(f"[queue bench] {name}: measuring", flush=True)
        result = subprocess.run(  # noqa: S603 - fixed arguments
            [sys.executable, str(Path(__file__).resolve()), "--inner", name],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=1200,
        )
        if result.returncode != 0:
            raise SystemExit(f"queue benchmark on {name} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
        rows.append(json.loads(result.stdout.strip().splitlines()[-1]))
    _print(rows)
    return rows


def _print(rows: list[dict]) -> None:
    print()
    print(
        "| database | no-op jobs/s | emails/s (local SMTP sink) "
        "| enqueue to start p50 / p99, worker polling every 1 s | same, every 0.1 s |"
    )
    print("|---|---|---|---|---|")
    for row in rows:
        latency = row["latency"]
        print(
            f"| {row['database']} | {row['noop_per_second']:.0f} | {row['email_per_second']:.0f} | "
            f"{latency['1.0']['p50'] * 1000:.0f} / {latency['1.0']['p99'] * 1000:.0f} ms | "
            f"{latency['0.1']['p50'] * 1000:.0f} / {latency['0.1']['p99'] * 1000:.0f} ms |"
        )
    print("\nOne jobs_worker process; throughput counts from the first job's start to the last one's end.")


# --- inside one database's process --------------------------------------------------------------


def _measure(database: str) -> list[dict]:
    import django

    django.setup()
    from aiosmtpd.controller import Controller

    class Sink:
        received = 0

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            Sink.received += 1
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Controller(Sink(), hostname="127.0.0.1", port=port)
    sink.start()
    smtp = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port), "EMAIL_USE_TLS": "0"}
    try:
        row = {
            "database": database,
            "noop_per_second": _throughput(_enqueue_noops, THROUGHPUT_JOBS, smtp),
            "email_per_second": _throughput(_enqueue_emails, EMAIL_JOBS, smtp),
            "latency": {str(interval): _latency(interval, n, smtp) for interval, n in LATENCY_SAMPLES.items()},
        }
        if Sink.received != EMAIL_JOBS:
            raise RuntimeError(f"the SMTP sink received {Sink.received} emails, expected {EMAIL_JOBS}")
    finally:
        sink.stop()
    print(json.dumps(row))
    return [row]


class _Worker:
    def __init__(self, interval: float, env: dict[str, str]):
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [sys.executable, "manage.py", "jobs_worker", "--interval", str(interval)],
            cwd=ROOT,
            env={**os.environ, **env},
        )

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def _clear() -> None:
    from django_tasks_db.models import DBTaskResult

    from trustcenter.jobs.models import OutgoingEmail

    DBTaskResult.objects.all().delete()
    OutgoingEmail.objects.all().delete()


def _wait_all_done(count: int, timeout: float = 600) -> None:
    from django_tasks_db.models import DBTaskResult

    deadline = time.monotonic() + timeout
    while DBTaskResult.objects.finished().count() < count:
        if time.monotonic() > deadline:
            raise RuntimeError("the worker did not finish the jobs in time")
        time.sleep(0.1)
    failed = DBTaskResult.objects.failed().first()
    if failed:
        raise RuntimeError(f"a benchmark job failed: {failed.traceback[-1500:]}")


def _enqueue_noops(count: int) -> None:
    from django.db import transaction

    from trustcenter.jobs.tasks import noop

    with transaction.atomic():
        for _ in range(count):
            noop.enqueue()


def _enqueue_emails(count: int) -> None:
    from django.db import transaction

    from trustcenter.jobs.services import email_queue

    with transaction.atomic():
        for n in range(count):
            email_queue(key=f"bench:{n}", to=["reader@example.com"], subject=f"Benchmark {n}", body="Hello")


def _throughput(enqueue, count: int, env: dict[str, str]) -> float:
    from django.db.models import Max, Min
    from django_tasks_db.models import DBTaskResult

    _clear()
    enqueue(count)  # all waiting before the worker starts: it runs them back to back
    worker = _Worker(0.05, env)
    try:
        _wait_all_done(count)
    finally:
        worker.stop()
    span = DBTaskResult.objects.aggregate(first=Min("started_at"), last=Max("finished_at"))
    return count / (span["last"] - span["first"]).total_seconds()


def _latency(interval: float, samples: int, env: dict[str, str]) -> dict:
    import random

    from django_tasks_db.models import DBTaskResult

    from trustcenter.jobs.tasks import noop

    _clear()
    worker = _Worker(interval, env)
    try:
        time.sleep(2)  # the worker is up and polling an empty queue
        for n in range(samples):
            noop.enqueue()
            _wait_all_done(n + 1)
            time.sleep(random.uniform(0, interval))  # noqa: S311 - arrival times, not secrets
    finally:
        worker.stop()
    delays = sorted((job.started_at - job.enqueued_at).total_seconds() for job in DBTaskResult.objects.all())
    return {
        "samples": len(delays),
        "p50": statistics.median(delays),
        "p99": delays[min(len(delays) - 1, round(0.99 * (len(delays) - 1)))],
    }


if __name__ == "__main__":
    main()
