"""Writing to the audit log. Every part of the app records evidence through `audit_record`."""

import json
import time

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from trustcenter.audit.models import GENESIS_HASH, AuditEvent
from trustcenter.lib.ratelimit import client_address

# Arbitrary constant identifying the audit chain's PostgreSQL advisory lock.
_PG_LOCK_KEY = 0x7C_A0D1_7000
_ATTEMPTS = 5


def audit_record(*, kind: str, actor=None, request=None, subject: str = "", data: dict | None = None) -> AuditEvent:
    """Append one event to the audit log and return it.

    `kind` is a short dotted name (`account.signed_in`, `nda.signed`, `document.downloaded`);
    `actor` the user who acted (default: the request's signed-in user); `request` supplies the
    client IP and user agent; `subject` names what was acted on (`document:12`); `data` holds
    any further JSON-serialisable facts (dates and UUIDs are stored as strings).

    The row is chained to the previous one under a lock: a PostgreSQL advisory lock held to
    the end of the transaction, plus `select_for_update` on the last row (SQLite serialises
    writers itself). `seq` is unique, so should two writers ever race anyway, one fails and
    retries on top of the other instead of forking the chain. Call it inside the
    transaction of the action it records, so the action and its evidence commit together.
    """
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if actor is not None and not getattr(actor, "pk", None):
        actor = None
    ip = user_agent = None
    if request is not None:
        address = client_address(request)
        ip = str(address) if address is not None else None
        user_agent = request.META.get("HTTP_USER_AGENT", "")[:400]
    # What is hashed must be exactly what the database gives back later.
    clean_data = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))
    if not isinstance(clean_data, dict):
        raise TypeError("audit data must be a dict")
    event_fields = {
        "kind": kind[:64],
        "actor": actor,
        "actor_email": (getattr(actor, "email", "") or "")[:254] if actor is not None else "",
        "ip": ip,
        "user_agent": user_agent or "",
        "subject": str(subject)[:300],
        "data": clean_data,
    }
    using = router.db_for_write(AuditEvent)
    for attempt in range(_ATTEMPTS):
        try:
            with transaction.atomic(using=using):
                return _append(using=using, **event_fields)
        except IntegrityError:
            if attempt == _ATTEMPTS - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def _append(*, using: str, **fields) -> AuditEvent:
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
    last = AuditEvent.objects.using(using).select_for_update().order_by("-seq").only("seq", "hash").first()
    event = AuditEvent(
        seq=(last.seq + 1) if last else 1,
        prev_hash=last.hash if last else GENESIS_HASH,
        created_at=timezone.now(),
        **fields,
    )
    event.hash = event.compute_hash()
    event.save(using=using)
    return event


def audit_verify(*, using: str = "default"):
    """Walk the chain in order; return (number of events checked, first broken event or None, reason)."""
    previous_hash = GENESIS_HASH
    expected_seq = 1
    count = 0
    for event in AuditEvent.objects.using(using).order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return count, event, f"expected event #{expected_seq} before it: events are missing"
        if event.prev_hash != previous_hash:
            return count, event, "its previous-hash does not match the hash of the event before it"
        if event.compute_hash() != event.hash:
            return count, event, "its content does not match its hash: the row was changed"
        previous_hash = event.hash
        expected_seq += 1
        count += 1
    return count, None, ""
