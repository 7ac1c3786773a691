"""gunicorn.conf.py replaces a worker whose memory has grown past GUNICORN_MAX_WORKER_MEMORY_MB,
after it has answered, and leaves workers under the limit alone. Real gunicorn, real HTTP."""

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.net import free_port
from tests.test_env_example import ROOT, _production_env

# Runs in the first pass of `make test` only: the servers run in subprocesses of their own.
pytestmark = pytest.mark.any_backend

GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def _serve_and_ask(tmp_path, limit_mb: str, requests_to_send: int) -> tuple[list[int], str]:
    """Start one worker with the limit, send requests one after another; the statuses and the log."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = _production_env(
        VAR_DIR=str(tmp_path),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_MAX_WORKER_MEMORY_MB=limit_mb,
        LOG_LEVEL="INFO",
        ALLOWED_HOSTS="127.0.0.1",
    )
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [GUNICORN, "-c", "gunicorn.conf.py"], cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    statuses = []
    try:
        deadline = time.monotonic() + 60
        for _ in range(requests_to_send):
            while True:
                if process.poll() is not None:
                    raise AssertionError(f"gunicorn exited: {log.read_text()[-3000:]}")
                try:
                    statuses.append(requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code)
                    break
                except requests.ConnectionError:
                    # Between an old worker leaving and the new one booting the socket still accepts; a
                    # refused connection only happens before the first boot.
                    assert time.monotonic() < deadline, log.read_text()[-3000:]
                    time.sleep(0.1)
        time.sleep(0.5)  # the arbiter logs the replacement's boot
    finally:
        process.terminate()
        process.wait(timeout=30)
    return statuses, log.read_text()


def test_a_worker_over_the_memory_limit_is_replaced_after_answering(tmp_path):
    # Any Python process with Django loaded is far above 1 MB: every request ends its worker.
    statuses, log = _serve_and_ask(tmp_path, "1", 3)
    assert statuses == [200, 200, 200]
    assert len(re.findall(r"uses \d+ MB \(limit GUNICORN_MAX_WORKER_MEMORY_MB=1\): replacing it", log)) == 3, log
    assert len(re.findall(r"Booting worker with pid", log)) >= 3, log


def test_workers_under_the_limit_keep_serving(tmp_path):
    statuses, log = _serve_and_ask(tmp_path, "4096", 5)
    assert statuses == [200] * 5
    assert "replacing it" not in log
    assert len(re.findall(r"Booting worker with pid", log)) == 1, log
