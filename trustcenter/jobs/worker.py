"""What `jobs_worker` adds around django-tasks-db's `db_worker`: a heartbeat, recovery of the
jobs of dead workers, and a time limit per job.

django-tasks-db marks a job RUNNING when a worker claims it and only the same worker ever
finishes it: a worker that is killed (SIGKILL, out of memory, a lost machine) leaves the job
RUNNING for ever. Here every worker writes a heartbeat row; any worker that finds another's
heartbeat older than JOBS_WORKER_DEAD_AFTER puts that worker's RUNNING jobs back to READY, so
the next free worker runs them again. A job whose workers died JOBS_MAX_RUNS times is failed
instead, so a file that kills every worker that opens it cannot take the queue down in a loop.
Jobs are therefore delivered at least once; they are written so that running again is harmless.
"""

import logging
import os
import signal
import socket
import threading

from django.conf import settings
from django.db import OperationalError, close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.signals import task_finished, task_started
from django_tasks_db.models import DBTaskResult

from trustcenter.jobs.models import WorkerHeartbeat

logger = logging.getLogger("trustcenter.jobs")


class JobTimeLimitExceeded(Exception):
    """The job ran longer than JOBS_TIME_LIMIT and was stopped."""


def heartbeat(worker_id: str) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"last_seen": now, "hostname": socket.gethostname()[:255], "pid": os.getpid()},
        create_defaults={
            "last_seen": now,
            "started_at": now,
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
        },
    )


def jobs_recover(*, now=None) -> tuple[int, int]:
    """Put the RUNNING jobs of workers that stopped beating back in the queue; fail those that
    have already been started JOBS_MAX_RUNS times. Returns (requeued, failed)."""
    now = now or timezone.now()
    cutoff = now - timezone.timedelta(seconds=settings.JOBS_WORKER_DEAD_AFTER)
    with transaction.atomic():
        dead = set(WorkerHeartbeat.objects.filter(last_seen__lt=cutoff).values_list("worker_id", flat=True))
        if not dead:
            return 0, 0
        requeued, failed = _put_back(dead, now=now)
        WorkerHeartbeat.objects.filter(worker_id__in=dead, last_seen__lt=cutoff).delete()
    return requeued, failed


def jobs_release(*, worker_id: str) -> tuple[int, int]:
    """At start-up: jobs still RUNNING under this worker's id belong to an earlier process of the
    same name (a fixed --worker-id restarted by systemd), which is gone. Returns (requeued, failed)."""
    with transaction.atomic():
        return _put_back({worker_id}, now=timezone.now())


def _put_back(worker_ids: set[str], *, now) -> tuple[int, int]:
    requeued = failed = 0
    # Few jobs run at once, so the filter on the last worker id is done here rather than in
    # JSON SQL, which differs between SQLite and PostgreSQL.
    for job in DBTaskResult.objects.running().only("id", "worker_ids"):
        if not job.worker_ids or job.worker_ids[-1] not in worker_ids:
            continue
        running = DBTaskResult.objects.filter(pk=job.pk, status=TaskResultStatus.RUNNING)
        if len(job.worker_ids) >= settings.JOBS_MAX_RUNS:
            failed += running.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path="trustcenter.jobs.worker.WorkerDied",
                traceback=(
                    f"The worker stopped while running this job {len(job.worker_ids)} times (killed, out of "
                    "memory or the machine went away), so it is not tried again."
                ),
            )
        else:
            requeued += running.update(status=TaskResultStatus.READY)
    if requeued or failed:
        logger.warning("Jobs of stopped workers %s: %d requeued, %d failed", sorted(worker_ids), requeued, failed)
    return requeued, failed


class Heartbeat(threading.Thread):
    """Writes this worker's heartbeat and recovers the jobs of dead workers, every few seconds."""

    def __init__(self, worker_id: str):
        super().__init__(name="jobs-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.stopped = threading.Event()

    def beat(self) -> None:
        try:
            heartbeat(self.worker_id)
            jobs_recover()
        except OperationalError as exc:  # the database is busy or restarting: try next time
            logger.warning("Heartbeat of %s failed: %s", self.worker_id, exc)
        finally:
            close_old_connections()

    def run(self) -> None:
        while not self.stopped.wait(settings.JOBS_HEARTBEAT_SECONDS):
            self.beat()
        connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=settings.JOBS_HEARTBEAT_SECONDS + 5)
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()


# The time limit: a timer signal armed when a job starts and disarmed when it finishes, through
# django-tasks' task_started / task_finished signals, which the worker sends from its main thread.


def _time_limit_exceeded(signum, frame):
    raise JobTimeLimitExceeded(
        f"The job ran for more than {settings.JOBS_TIME_LIMIT} s (JOBS_TIME_LIMIT_SECONDS) and was stopped."
    )


def _arm(sender, **kwargs) -> None:
    if threading.current_thread() is threading.main_thread():
        signal.setitimer(signal.ITIMER_REAL, settings.JOBS_TIME_LIMIT)


def _disarm(sender, **kwargs) -> None:
    if threading.current_thread() is threading.main_thread():
        signal.setitimer(signal.ITIMER_REAL, 0)


def install_time_limit() -> None:
    signal.signal(signal.SIGALRM, _time_limit_exceeded)
    task_started.connect(_arm, dispatch_uid="trustcenter.jobs.time_limit.arm")
    task_finished.connect(_disarm, dispatch_uid="trustcenter.jobs.time_limit.disarm")


def describe_error(job: DBTaskResult) -> str:
    """The last line of a failed job's traceback: the exception and its message."""
    if not job.traceback:
        return ""
    lines = [line for line in job.traceback.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""
