"""Benchmarks for the trust center; `make bench` runs this and writes bench/RESULTS.md.

It prepares one environment (PostgreSQL and Redis when they answer on 127.0.0.1, as in
production; otherwise SQLite and the per-process cache, and the report says which), publishes
the demo content, then runs each module of MODULES and writes the report from their results.
Everything lives under var/bench/, removed at the start of the next run.

    python -m bench.run                       # everything (make bench)
    python -m bench.run --only bench.pdfs     # one module, on the last run's database; the report
                                              # keeps the other modules' last results
    python -m bench.run --report              # the report again from var/bench/*.json

A module has TITLE, `measure(ctx) -> dict` and `report(result) -> Section` (bench/common.py).
"""

import argparse
import datetime
import importlib
import json
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import WORK, Context, bench_env, inner, load_average, log, manage  # noqa: E402
from bench.report import write_results  # noqa: E402

# One line per benchmark, in the order they run and appear in the report.
MODULES = [
    "bench.pages",
    "bench.pdfs",
    "bench.publish",
    "bench.questionnaires",
    "bench.jobs",
    "bench.notifications",
]


def prepare(env: dict) -> None:
    log("migrating, publishing content/, creating demo users, collecting static files")
    manage(env, "migrate", "--noinput")
    manage(env, "publish")
    manage(env, "demo_setup")
    commands = manage(env, "help", "--commands").split()
    for command in ("demo_documents", "demo_access"):
        if command in commands:
            manage(env, command)
    manage(env, "collectstatic", "--noinput")


def _result_file(module: str) -> Path:
    return WORK / f"{module}.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "3")))
    parser.add_argument("--duration", default=os.environ.get("BENCH_DURATION", "5s"), help="wrk time per measurement")
    parser.add_argument("--only", action="append", choices=MODULES, help="run only this module (repeatable)")
    parser.add_argument("--report", action="store_true", help="only write the report from the last results")
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        print(json.dumps(inner(args.inner)))
        return 0
    modules = args.only or MODULES
    meta_file = WORK / "meta.json"
    if not args.report:
        if "bench.pages" in modules:
            for tool in ("wrk", "nginx"):
                if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
                    raise SystemExit(f"{tool} is not installed; `make bench` installs wrk and nginx with apt-get")
        load_before = load_average()
        started_at = datetime.datetime.now(datetime.UTC)
        # --only reuses the database and files of the last run when there is one.
        fresh = not args.only or not meta_file.exists()
        if fresh and WORK.exists():
            shutil.rmtree(WORK)
        (WORK / "var").mkdir(parents=True, exist_ok=True)
        env, about = bench_env(reset=fresh)
        if fresh:
            prepare(env)
        ctx = Context(env=env, about=about, duration=args.duration, rounds=args.rounds)
        for name in modules:
            result = importlib.import_module(name).measure(ctx)
            _result_file(name).write_text(json.dumps(result, indent=1))
        meta_file.write_text(
            json.dumps({"started_at": started_at.isoformat(), "about": about, "load_before": load_before})
        )
    meta = json.loads(meta_file.read_text())
    sections = []
    for name in MODULES:
        module = importlib.import_module(name)
        if _result_file(name).exists():
            sections.append((module.TITLE, module.report(json.loads(_result_file(name).read_text()))))
    write_results(
        started_at=datetime.datetime.fromisoformat(meta["started_at"]),
        about=meta["about"],
        load=(meta["load_before"], load_average()),
        sections=sections,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
