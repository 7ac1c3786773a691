"""The questionnaire benchmark (bench/questionnaire/run.py): its figures, as it prints them."""

import os
import subprocess
import sys
import textwrap

from bench.common import ROOT, Context, Section, log

TITLE = "Questionnaire benchmark"


def measure(ctx: Context) -> dict:
    return run_questionnaire()


def report(questionnaire: dict) -> Section:
    section = Section()
    other = section.lines
    if questionnaire.get("available"):
        other += [
            "`bench/questionnaire/run.py` (see bench/questionnaire/README.md), output of this run:",
            "",
            "```",
            textwrap.dedent(questionnaire["output"]).strip(),
            "```",
        ]
    else:
        other.append("- Questionnaire benchmark: bench/questionnaire/ is not on main.")

    return section


def run_questionnaire() -> dict:
    script = ROOT / "bench" / "questionnaire" / "run.py"
    if not script.exists():
        return {"available": False}
    log("questionnaire benchmark")
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=900, env={**os.environ}
    )
    return {"available": True, "ok": result.returncode == 0, "output": (result.stdout or result.stderr)[-3000:]}
