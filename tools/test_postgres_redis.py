"""The second pass of `make test`: the whole suite again on PostgreSQL and Redis.

Runs when both are reachable (TEST_DATABASE_URL, default the local PostgreSQL with trust
auth; TEST_REDIS_URL, default database 15 of the local Redis); otherwise prints why it
skipped and exits 0, so `make test` works on a laptop without either. Browser tests run
only in the first pass: they test the pages, not the database; so do the tests marked
`any_backend`, whose subject (reading and ranking questions, the sanitizer, settings read in
a subprocess) is the same whatever the database and cache are. Extra arguments go to
pytest (`python tools/test_postgres_redis.py tests/test_search.py`).
"""

import os
import sys

import psycopg
import redis

DATABASE_URL = os.environ.setdefault("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.setdefault("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _unreachable() -> str | None:
    try:
        psycopg.connect(DATABASE_URL, connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"PostgreSQL at {DATABASE_URL} is not reachable ({str(exc).strip().splitlines()[0]})"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return f"Redis at {REDIS_URL} is not reachable ({exc})"
    return None


def main() -> int:
    reason = _unreachable()
    if reason:
        print(f"\n*** Skipping the PostgreSQL + Redis pass: {reason}.")
        print("*** Set TEST_DATABASE_URL / TEST_REDIS_URL to run it; the SQLite pass above is complete.\n")
        return 0
    print(f"\n=== Second pass: the suite on PostgreSQL ({DATABASE_URL}) and Redis ({REDIS_URL}) ===", flush=True)
    os.environ["TEST_BACKEND"] = "postgres_redis"
    import pytest

    # pytest's own summary line (with the time) stays the last line of `make test`.
    return int(pytest.main(["-m", "not browser and not any_backend", *sys.argv[1:]]))


if __name__ == "__main__":
    sys.exit(main())
