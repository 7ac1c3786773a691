"""Gunicorn settings for production: `gunicorn -c gunicorn.conf.py` from the repository root.

Every value can be changed through the environment (listed in `.env.example`). The
reasoning behind the defaults:

- Workers: 2 per CPU + 1, the usual figure for sync workers whose requests mostly wait on
  the database; PDF rendering is CPU-bound, so more would only queue on the same cores.
- Timeout: 120 s. A cold render of the whole trust center PDF takes seconds to tens of
  seconds on a small machine; the timeout must cover it, or gunicorn kills the worker
  mid-render and the next request starts again from nothing.
- Recycling: WeasyPrint (fonts, images, layout caches) keeps memory after a render, so each
  worker is replaced after `max_requests` requests, with jitter so they do not all restart
  at once.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from trustcenter.env import env_int, env_str  # noqa: E402 - needs the path above


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
max_requests = env_int("GUNICORN_MAX_REQUESTS", 500)
max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", 50)
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

if workers < 1 or timeout < 1 or max_requests < 0 or max_requests_jitter < 0:
    raise SystemExit("GUNICORN_WORKERS and GUNICORN_TIMEOUT must be at least 1; max requests and jitter at least 0")

# gunicorn's runtime control socket is not used here, and its default path is shared by every
# instance of the same user, so two instances on one host would fight over it.
control_socket_disable = True
