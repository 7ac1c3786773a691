"""Subscriber notices (bench/notify.py), run as a subprocess: 10,000 subscribers told of one change."""

import subprocess
import sys

from bench.common import ROOT, Context, Section, log

TITLE = "Notifying subscribers"


def measure(ctx: Context) -> dict:
    log("notification benchmark (bench/notify.py, 10,000 subscribers)")
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, str(ROOT / "bench" / "notify.py")], cwd=ROOT, capture_output=True, text=True, timeout=1800
    )
    output = result.stdout if result.returncode == 0 else result.stderr
    return {"ok": result.returncode == 0, "output": output[-3000:]}


def report(result: dict) -> Section:
    section = Section()
    heading = "`bench/notify.py`: a subprocessor change published to 10,000 confirmed subscribers, every message"
    section.lines += [
        heading + " rendered in its reader's language and handed to a local SMTP sink:" if result.get("ok") else
        "The notification benchmark failed:",
        "",
        "```",
        result.get("output", "").strip(),
        "```",
    ]  # fmt: skip
    return section
