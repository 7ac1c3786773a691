"""Concurrent writers never fork the audit chain (PostgreSQL: the advisory lock)."""

import threading

import pytest
from django.db import connection, connections

from trustcenter.audit.models import AuditEvent
from trustcenter.audit.services import audit_record, audit_verify

pytestmark = [pytest.mark.postgres_redis, pytest.mark.django_db(transaction=True)]

WRITERS = 8
EVENTS_EACH = 15


def test_parallel_writers_build_one_unbroken_chain():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (the second pass of `make test`); SQLite serialises writers itself")
    start = threading.Barrier(WRITERS)
    errors = []

    def writer(n):
        try:
            start.wait()
            for i in range(EVENTS_EACH):
                audit_record(kind="test.parallel", subject=f"writer:{n}", data={"i": i})
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    total = WRITERS * EVENTS_EACH
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, total + 1))
    check = audit_verify()
    assert check.ok and check.checked == total
