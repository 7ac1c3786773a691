"""Jobs that exist only for the queue tests; workers started by a test import them from here."""

import time
from pathlib import Path

from django_tasks import task


@task()
def slow_append(path: str, line: str, seconds: float) -> str:
    """Notes each start in `path`.started, waits, then appends `line` to `path` unless it is there
    already (written as an idempotent job should be)."""
    target = Path(path)
    with Path(f"{path}.started").open("a") as started:
        started.write(line + "\n")
    time.sleep(seconds)
    if line not in (target.read_text().splitlines() if target.exists() else []):
        with target.open("a") as out:
            out.write(line + "\n")
    return "done"


@task()
def sleep_for(seconds: float) -> None:
    time.sleep(seconds)
