"""The job queue (bench/queue.py), run as a subprocess: jobs per second and enqueue-to-start latency."""

import subprocess
import sys

from bench.common import ROOT, Context, Section, log

TITLE = "Job queue"


def measure(ctx: Context) -> dict:
    log("job queue benchmark (bench/queue.py)")
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, str(ROOT / "bench" / "queue.py")], cwd=ROOT, capture_output=True, text=True, timeout=2400
    )
    output = result.stdout if result.returncode == 0 else (result.stdout[-2000:] + result.stderr[-2000:])
    table = [line for line in output.splitlines() if line.startswith("|")]
    return {"ok": result.returncode == 0, "table": table, "output": output[-3000:]}


def report(result: dict) -> Section:
    section = Section()
    if not result.get("ok"):
        section.lines += ["The queue benchmark failed:", "", "```", result.get("output", "").strip(), "```"]
        return section
    section.lines += [
        "`bench/queue.py`: one `jobs_worker` process, a no-op job and an email handed to a local SMTP sink",
        "(throughput from the first job's start to the last one's end), and the delay from enqueue to start",
        "for an idle worker polling every 1 s and every 0.1 s.",
        "",
        *result["table"],
    ]
    return section
