"""Test settings: the real settings with fast hashing, in-memory email and a fixed key."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("AUDIT_HMAC_KEY", "tests-only-audit-key-not-secret-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("DEBUG", "0")

from trustcenter.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Mail lands in django.core.mail.outbox: sent directly by code that calls send_mail (allauth),
# and by the email job for queued ones. Workers started by the queue tests use a real SMTP server.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if not os.environ.get("EMAIL_HOST"):
    EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
WHITENOISE_USE_FINDERS = True

# Jobs run at once, in the process that enqueues them, so tests of other features need no
# worker. The queue's own tests (tests/test_jobs_queue.py) switch to the database queue and
# start real worker processes, which get TEST_TASKS=database through the environment.
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
TASKS = DATABASE_TASKS if os.environ.get("TEST_TASKS") == "database" else IMMEDIATE_TASKS
# Publishing would render every PDF in both languages at once under the immediate backend;
# the tests of pre-rendering switch it on.
EXPORTS_PRERENDER = False
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - WhiteNoise warns when it is missing
# Both passes of `make test` share the library's sentence vectors (keyed by a hash of each
# text, so sharing is safe): the first to need them encodes them while the other waits.
QUESTIONNAIRE_VECTORS_FILE = BASE_DIR / "var" / "test-questionnaire-vectors.npz"  # noqa: F405
# Audit checkpoints of this test process, never the checkout's var/; conftest empties the file before
# each test, whose database starts empty too.
_audit_dir = tempfile.mkdtemp(prefix="tc-audit-checkpoints-")
atexit.register(shutil.rmtree, _audit_dir, ignore_errors=True)
AUDIT_CHECKPOINTS = ["file"]
AUDIT_CHECKPOINT_FILE = Path(_audit_dir) / "checkpoints.jsonl"  # noqa: F405

# The second pass of `make test` (tools/test_postgres_redis.py sets TEST_BACKEND) runs the same
# suite on PostgreSQL and Redis. Each run gets its own test database and cache key prefix, so
# several runs on one machine (or CI next to a developer) never see each other's data.
TEST_BACKEND = os.environ.get("TEST_BACKEND", "sqlite")
if TEST_BACKEND == "sqlite":
    # A file (in memory-backed /dev/shm where there is one) rather than SQLite's private
    # in-memory database, so worker processes started by a test share the test database.
    if not os.environ.get("TEST_DATABASE_NAME"):
        import atexit
        import shutil
        import tempfile
        from pathlib import Path

        _shm = Path("/dev/shm")  # noqa: S108 - only the parent of a private mkdtemp folder
        _folder = tempfile.mkdtemp(prefix="tc-test-", dir=_shm if _shm.is_dir() else None)
        atexit.register(shutil.rmtree, _folder, ignore_errors=True)
        DATABASES["default"]["TEST"] = {"NAME": str(Path(_folder) / "test.sqlite3")}  # noqa: F405
elif TEST_BACKEND == "postgres_redis":
    import dj_database_url

    # Inherited by subprocesses a test starts with tests.settings, so they share this run's cache.
    _run = os.environ.setdefault("TEST_RUN_ID", str(os.getpid()))
    DATABASES = {  # noqa: F811
        "default": dj_database_url.parse(
            os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        )
    }
    DATABASES["default"]["TEST"] = {"NAME": f"test_trustcenter_{_run}"}
    CACHES = {
        "default": {
            "BACKEND": "tests.redis_cache.IsolatedRedisCache",
            "LOCATION": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
            "KEY_PREFIX": f"tctest{_run}",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    raise RuntimeError(f"TEST_BACKEND must be sqlite or postgres_redis, not {TEST_BACKEND!r}")

# Tests edit content files and publish from other processes, then expect the very next request to
# see it; production asks once a second (tests/test_public_page_cache.py checks that bound too).
PUBLIC_PAGE_CHECK_SECONDS = 0

# Processes a test starts (job workers) use the test database that the test run created.
if os.environ.get("TEST_DATABASE_NAME"):
    DATABASES["default"]["NAME"] = os.environ["TEST_DATABASE_NAME"]  # noqa: F405
