"""The audit log: append-only, hash-chained, verified by `manage.py verify_audit`."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory

from trustcenter.audit.models import GENESIS_HASH, AppendOnlyError, AuditEvent
from trustcenter.audit.services import audit_record, audit_verify


def verify() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def some_events(actor=None, n=5):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT="Firefox/140")
    return [
        audit_record(
            kind="test.event",
            actor=actor,
            request=request,
            subject=f"document:{i}",
            data={"i": i, "when": datetime.date(2026, 11, i + 1), "name": "Zoë"},
        )
        for i in range(n)
    ]


def test_events_are_chained_in_order_from_the_genesis_hash(db, prospect):
    events = some_events(prospect)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    stored = AuditEvent.objects.get(seq=2)
    assert stored.actor == prospect and stored.actor_email == prospect.email
    assert stored.ip == "192.0.2.10" and stored.user_agent == "Firefox/140"
    assert stored.data == {"i": 1, "when": "2026-11-02", "name": "Zoë"}
    assert stored.compute_hash() == stored.hash  # what the database gives back hashes the same


def test_the_actor_defaults_to_the_signed_in_user_of_the_request(db, prospect):
    request = RequestFactory().get("/")
    request.user = prospect
    assert audit_record(kind="x", request=request).actor == prospect


def test_an_intact_chain_verifies(db, prospect):
    events = some_events(prospect)
    assert f"Audit chain intact: 5 event(s) verified. Last hash: {events[-1].hash}." in verify()
    check = audit_verify()
    assert check.ok and check.checked == 5 and check.last_seq == 5


def test_an_empty_log_verifies(db):
    assert "0 event(s)" in verify()


@pytest.mark.parametrize(
    ("column", "value"),
    [("subject", "document:99"), ("data", '{"i": 2, "name": "Zoe", "when": "2026-11-03"}'), ("actor_email", "x@y.z")],
)
def test_a_row_changed_in_the_database_is_found_and_named(db, prospect, column, value):
    events = some_events(prospect)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE audit_auditevent SET {column} = %s WHERE id = %s", [value, events[2].pk])  # noqa: S608
    with pytest.raises(CommandError) as failure:
        verify()
    message = str(failure.value)
    assert f"event #3 (id {events[2].pk}, test.event" in message
    assert "does not match its keyed hash" in message
    assert "2 earlier event(s) verified" in message


def test_a_deleted_row_is_found_and_named(db, prospect):
    events = some_events(prospect)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError) as failure:
        verify()
    assert "event #2 (missing): missing: the log goes from #1 to #3" in str(failure.value)


def test_a_row_rewritten_with_a_fresh_keyed_hash_still_breaks_the_link_to_the_next(db, prospect):
    """Even someone holding the key cannot change one row alone: the next row links to the old hash."""
    events = some_events(prospect)
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.subject = "document:forged"
    new_hash = forged.compute_hash()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET subject = %s, hash = %s WHERE id = %s", [forged.subject, new_hash, forged.pk]
        )
    with pytest.raises(CommandError) as failure:
        verify()
    assert "event #3" in str(failure.value) and "previous-hash" in str(failure.value)


def test_the_command_exits_non_zero_on_a_broken_chain(db, prospect):
    events = some_events(prospect, n=2)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET kind = 'x' WHERE id = %s", [events[0].pk])
    from django.core.management import execute_from_command_line

    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "verify_audit"])
    assert exit_info.value.code == 1


def test_the_app_cannot_update_or_delete_events(db, prospect):
    event = some_events(prospect, n=1)[0]
    event.subject = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(subject="changed")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).subject == "document:0"


def test_an_account_in_the_audit_log_cannot_be_deleted(db, prospect):
    from django.db.models import ProtectedError

    some_events(prospect, n=1)
    with pytest.raises(ProtectedError):
        prospect.delete()


def test_the_admin_shows_events_read_only(published, client, security_admin):
    event = some_events(security_admin, n=1)[0]
    client.force_login(security_admin)
    assert client.get("/admin/audit/auditevent/").status_code == 200
    page = client.get(f"/admin/audit/auditevent/{event.pk}/change/").content.decode()
    assert "document:0" in page and 'name="subject"' not in page
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    assert client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_ipv6_clients_are_recorded_with_their_full_address(db):
    request = RequestFactory().get("/", REMOTE_ADDR="2001:db8:0:0:1::7")
    event = audit_record(kind="x", request=request)
    assert AuditEvent.objects.get(pk=event.pk).ip == "2001:db8::1:0:0:7"
    assert "intact" in verify()
