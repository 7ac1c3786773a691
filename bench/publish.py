"""Publishing: 500 generated policies into an empty SQLite database with `manage.py publish`."""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ROOT, WORK, Context, Section, log, manage

TITLE = "Publishing"


def measure(ctx: Context) -> dict:
    log("publishing 500 generated pages")
    return measure_publish(ctx.env)


def report(publish: dict) -> Section:
    section = Section()
    targets, other = section.targets, section.lines
    first, again = publish["first"], publish["again"]
    other.append(
        "- Publishing 500 generated policies (6 sections, lists and a table each) into an empty SQLite database "
        f"with `manage.py publish`: {first['seconds']:.1f} s wall, {first['cpu_seconds']:.1f} s of CPU time "
        f"(process start and Django set-up included), peak memory {first['peak_mb']:.0f} MB (the whole process); "
        f"the same folder again (nothing to do): {again['seconds']:.1f} s. Output: `{first['summary']}`. "
        "Where wall time is far above CPU time, the process was waiting for a core."
    )
    targets.append(
        (
            "publish 500 pages < 15 s",
            f"{first['seconds']:.1f} s wall, {first['cpu_seconds']:.1f} s CPU, {first['peak_mb']:.0f} MB peak",
            first["seconds"] < 15,
        )
    )
    return section


_SECTION = """## {title}

{sentence} {sentence}

- Owners review the controls in this section at least once a year.
- Exceptions are approved by the security team, recorded and time-limited.
- Evidence is kept for three years and shown to auditors on request.

| control | frequency | evidence |
|---|---|---|
| access review | quarterly | signed review record |
| backup restore test | monthly | restore log |

"""


def generate_content(target: Path, count: int) -> None:
    (target / "policies").mkdir(parents=True)
    shutil.copy(ROOT / "content" / "company.yaml", target / "company.yaml")
    if (ROOT / "content" / "nda.md").exists():
        shutil.copy(ROOT / "content" / "nda.md", target / "nda.md")
    company = (ROOT / "content" / "company.yaml").read_text()
    categories = re.findall(r"^\s+- slug: ([a-z0-9-]+)", company, re.MULTILINE)
    for n in range(count):
        sentence = f"Policy {n} sets out how Kestrel protects customer data with encryption, logging and reviews."
        body = "".join(_SECTION.format(title=f"Section {s}", sentence=sentence) for s in range(1, 7))
        (target / "policies" / f"generated-policy-{n:03d}.md").write_text(
            f"---\ntitle: Generated policy {n}\ncategory: {categories[n % len(categories)]}\n"
            f"summary: Generated policy number {n} for the publishing benchmark.\nversion: 1\n"
            f"effective: 2026-01-01\nreviewed: 2026-02-01\nowner: Benchmark\nvisibility: public\n---\n{body}"
        )


def measure_publish(env: dict, count: int = 500) -> dict:
    folder = WORK / "publish"
    shutil.rmtree(folder, ignore_errors=True)
    content = folder / "content"
    generate_content(content, count)
    env = {**env, "VAR_DIR": str(folder / "var"), "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}"}
    manage(env, "migrate", "--noinput")
    results = {}
    for label in ("first", "again"):
        started = time.perf_counter()
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "publish", str(content)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        out = proc.stdout.read().decode()
        err = proc.stderr.read().decode()
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"publish failed:\n{out}\n{err}")
        results[label] = {
            "seconds": elapsed,
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024,
            "summary": out.strip().splitlines()[-1],
        }
    return results
