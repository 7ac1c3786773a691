"""Real job workers and a real SMTP server for the tests of the queue.

`worker_env` points worker processes (`manage.py jobs_worker`) at this test run's database
with the database queue; `Worker` starts, stops and kills one; `SmtpServer` is aiosmtpd in a
thread that can refuse the first messages it is given."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.db import connection
from django_tasks_db.models import DBTaskResult

from tests.net import free_port

ROOT = Path(django_settings.BASE_DIR)


def worker_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        TEST_TASKS="database",
        TEST_DATABASE_NAME=str(connection.settings_dict["NAME"]),
        JOBS_HEARTBEAT_SECONDS="1",
        JOBS_WORKER_DEAD_AFTER_SECONDS="3",
        JOBS_RETRY_DELAYS="1,1,1",
        LOG_LEVEL="WARNING",
        **extra,
    )
    return env


class Worker:
    """One `manage.py jobs_worker` process."""

    def __init__(self, env: dict[str, str], log: Path, *args: str):
        self.log = log
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [sys.executable, "manage.py", "jobs_worker", "--interval", "0.05", *args],
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """As the out-of-memory killer does: no chance to clean up."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(condition, *, timeout: float = 60, what: str = "the condition", log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    detail = f"\nworker log:\n{log.read_text()[-4000:]}" if log and log.exists() else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}{detail}")


def job_status(job_id) -> str:
    return DBTaskResult.objects.get(pk=job_id).status


class _Handler:
    def __init__(self, refuse_first: int, delay: float):
        self.refuse_left = refuse_first
        self.delay = delay
        self.refused = 0
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.refuse_left > 0:
            self.refuse_left -= 1
            self.refused += 1
            return "451 4.3.0 Mail server busy, try again later"
        self.messages.append(envelope.content)
        if self.delay:
            # The message is kept but the "250 OK" comes late: a sender that dies meanwhile
            # cannot know that it was delivered.
            await asyncio.sleep(self.delay)
        return "250 OK"


class SmtpServer:
    """aiosmtpd on a free loopback port; refuses the first `refuse_first` messages with 451 and
    answers each message it keeps `delay` seconds late."""

    def __init__(self, refuse_first: int = 0, delay: float = 0):
        self.handler = _Handler(refuse_first, delay)
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    def env(self) -> dict[str, str]:
        return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(self.port), "EMAIL_USE_TLS": "0"}
