"""Gunicorn settings for production: `gunicorn -c gunicorn.conf.py` from the repository root.

Every value can be changed through the environment (listed in `.env.example`). The
reasoning behind the defaults:

- Workers: 2 per CPU + 1, the usual figure for sync workers whose requests mostly wait on
  the database; PDF rendering is CPU-bound, so more would only queue on the same cores.
- Timeout: 120 s. A cold render of the whole trust center PDF takes seconds to tens of
  seconds on a small machine; the timeout must cover it, or gunicorn kills the worker
  mid-render and the next request starts again from nothing.
- Recycling by memory, not by count: WeasyPrint (fonts, images, layout caches) keeps memory
  after a render, so a worker whose resident memory has grown past
  `GUNICORN_MAX_WORKER_MEMORY_MB` finishes the request it is serving and is replaced. Most
  requests are cached pages that allocate nothing lasting, so replacing workers after a fixed
  number of requests would only make busy servers spend their time booting Django (measured:
  with 500 requests per worker, `wrk -c32` kept every worker restarting). A request count
  can still be set as a backstop (`GUNICORN_MAX_REQUESTS`, off by default).
"""

import os
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from trustcenter.lib.env import env_int, env_str  # noqa: E402 - needs the path above


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))  # CPUs this process may use (containers, taskset)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


wsgi_app = "trustcenter.wsgi:application"
bind = env_str("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = env_int("GUNICORN_WORKERS", 2 * _cpu_count() + 1)
timeout = env_int("GUNICORN_TIMEOUT", 120)
graceful_timeout = 30
keepalive = 5
max_requests = env_int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", 0)
max_worker_memory_mb = env_int("GUNICORN_MAX_WORKER_MEMORY_MB", 512)
# Heartbeat files in memory: a worker blocked on a slow disk is not taken for a dead one.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108 - the standard tmpfs
accesslog = "-"
errorlog = "-"
loglevel = env_str("LOG_LEVEL", "INFO").lower()
# The TLS proxy on the same host sets X-Forwarded-Proto; Django decides whether to trust it
# (BEHIND_TLS_PROXY), so gunicorn trusts only loopback.
forwarded_allow_ips = "127.0.0.1,::1"
# Request line and headers: generous for real browsers, small enough to refuse junk early.
limit_request_line = 8190
limit_request_fields = 100

if workers < 1 or timeout < 1 or max_requests < 0 or max_requests_jitter < 0 or max_worker_memory_mb < 0:
    raise SystemExit(
        "GUNICORN_WORKERS and GUNICORN_TIMEOUT must be at least 1; max requests, jitter and "
        "GUNICORN_MAX_WORKER_MEMORY_MB at least 0 (0 switches that limit off)"
    )

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_memory_mb() -> float:
    """This process's resident memory now (Linux), or its peak where /proc is missing (macOS)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE / 2**20
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


def post_request(worker, req, environ, resp):
    """Replace a worker that has grown past the memory limit, once its response has been sent."""
    if not max_worker_memory_mb or not worker.alive:
        return
    used = resident_memory_mb()
    if used > max_worker_memory_mb:
        worker.log.info(
            "Worker %s uses %.0f MB (limit GUNICORN_MAX_WORKER_MEMORY_MB=%s): replacing it after this request",
            worker.pid,
            used,
            max_worker_memory_mb,
        )
        worker.alive = False  # the sync worker leaves its loop; the arbiter starts a fresh one


# gunicorn's runtime control socket is not used here, and its default path is shared by every
# instance of the same user, so two instances on one host would fight over it.
control_socket_disable = True
