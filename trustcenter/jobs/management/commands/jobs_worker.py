"""Run one background worker: django-tasks-db's `db_worker` plus a heartbeat, recovery of the
jobs of dead workers, and a time limit per job (trustcenter/jobs/worker.py).

Stop it with SIGTERM or Ctrl-C: it finishes the job in hand first (a second signal stops it at
once; the job is then run again by another worker)."""

import os
import socket

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string

from trustcenter.jobs.worker import Heartbeat, install_time_limit, jobs_release


class Command(BaseCommand):
    help = "Run a background worker for the job queue (see docs/jobs.md)."

    def add_arguments(self, parser):
        parser.add_argument("--queue-name", default="*", help="Queues to work on, comma-separated ('*': all).")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls of an empty queue.")
        parser.add_argument("--backend", default="default", help="The TASKS backend (a database backend).")
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after running this many jobs.")
        parser.add_argument("--batch", action="store_true", help="Run the jobs that are ready, then exit.")
        parser.add_argument("--worker-id", default="", help="A name unique among the running workers.")

    def handle(self, *, queue_name, interval, backend, max_tasks, batch, worker_id, verbosity, **options):
        worker_id = worker_id or f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(8)}"
        jobs_release(worker_id=worker_id)
        heartbeat = Heartbeat(worker_id)
        heartbeat.beat()  # registers this worker and recovers what dead workers left before the first job
        heartbeat.start()
        install_time_limit()
        try:
            call_command(
                "db_worker",
                queue_name=queue_name,
                interval=interval,
                backend_name=backend,
                max_tasks=max_tasks,
                batch=batch,
                worker_id=worker_id,
                reload=False,  # the time limit needs the jobs in the main thread
                startup_delay=False,
                verbosity=verbosity,
            )
        finally:
            heartbeat.stop()
