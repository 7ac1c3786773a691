"""`make test`: the SQLite pass and the PostgreSQL + Redis pass, side by side when there are two cores.

The first pass (the whole suite on SQLite, browser tests included) prints as it goes. The
second (tools/test_postgres_redis.py: the suite again on PostgreSQL and Redis, or a note saying
why it skipped) runs at the same time in its own process with its own VAR_DIR, database and
cache prefix, writes to var/test-postgres-redis.log, and is printed when both have finished.
Each pass is one Python process, so on two cores the pair takes about as long as the longer
one. With one core, or TEST_PASSES=serial, they run one after the other. Exit status: 0 only
when both passed. Extra arguments go to both passes (`python tools/run_tests.py tests/test_search.py`).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG = ROOT / "var" / "test-postgres-redis.log"


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def main() -> int:
    args = sys.argv[1:]
    first = [sys.executable, "-m", "pytest", "-m", "not postgres_redis", *args]
    second = [sys.executable, str(ROOT / "tools" / "test_postgres_redis.py"), *args]
    # Its own files (private storage, PDF cache, static root): nothing shared with the first pass.
    second_env = {**os.environ, "VAR_DIR": str(ROOT / "var" / "test-postgres-redis")}
    second_env.pop("PRIVATE_ROOT", None)
    if _cores() < 2 or os.environ.get("TEST_PASSES") == "serial":
        status = subprocess.call(first, cwd=ROOT)  # noqa: S603 - fixed arguments
        return status or subprocess.call(second, cwd=ROOT, env=second_env)  # noqa: S603

    LOG.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    print(f"=== Second pass (PostgreSQL + Redis) started alongside, output in {LOG.relative_to(ROOT)} ===", flush=True)
    with LOG.open("wb") as log:
        background = subprocess.Popen(second, cwd=ROOT, env=second_env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            first_status = subprocess.call(first, cwd=ROOT)  # noqa: S603 - fixed arguments
            if background.poll() is None:
                print("\n=== First pass done; waiting for the PostgreSQL + Redis pass ===", flush=True)
            second_status = background.wait()
        except BaseException:
            background.terminate()
            background.wait()
            raise
    sys.stdout.write(LOG.read_text(errors="replace"))
    print(f"\n=== make test: SQLite pass {'passed' if first_status == 0 else 'FAILED'}, "
          f"PostgreSQL + Redis pass {'passed' if second_status == 0 else 'FAILED'}, "
          f"{time.monotonic() - started:.0f} s in all ===")  # fmt: skip
    return first_status or second_status


if __name__ == "__main__":
    sys.exit(main())
