"""Writing to the audit log, anchoring it with checkpoints, and verifying it.

Every part of the app records evidence through `audit_record`.
"""

import json
import logging
import time
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from trustcenter.audit.checkpoints import Checkpoint, CheckpointError, configured_stores, latest_checkpoint
from trustcenter.audit.models import GENESIS_HASH, AuditEvent
from trustcenter.lib.ratelimit import client_address

logger = logging.getLogger("trustcenter.audit")

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
    if event.seq % settings.AUDIT_CHECKPOINT_EVERY == 0:
        # After the commit, so the checkpoint never anchors a row that is then rolled back.
        transaction.on_commit(partial(_checkpoint_after_commit, using=using), using=using)
    return event


def _checkpoint_after_commit(*, using: str) -> None:
    try:
        audit_checkpoint(using=using)
    except Exception:
        # The event itself is committed; a missing checkpoint only narrows what can be proven
        # later, so the request goes on and the operator is told.
        logger.exception("Could not write an audit checkpoint; run `manage.py audit_checkpoint` to see why")


def audit_checkpoint(*, using: str = "default", force: bool = False) -> Checkpoint | None:
    """Sign the end of the chain and write it to every configured checkpoint store.

    Before signing, the events since the latest checkpoint are checked (its row still has
    its hash, every later row links and hashes correctly), so a chain that was cut or
    rewritten is never anchored again. Returns the new checkpoint, or None when the log is
    empty or the latest checkpoint already covers its end (unless `force`). Raises
    CheckpointError when the chain does not match or a store fails (after trying them all).
    """
    stores = configured_stores()
    last = AuditEvent.objects.using(using).order_by("-seq").only("seq", "hash").first()
    if last is None:
        return None
    previous, _looked = latest_checkpoint(stores)
    if previous is not None:
        check = _walk(
            AuditEvent.objects.using(using).filter(seq__gte=previous.seq).order_by("seq"),
            start_seq=previous.seq,
            checkpoint=previous,
        )
        if not check.ok:
            raise CheckpointError(f"no checkpoint written: {check.describe()}")
        if previous.seq == last.seq and not force:
            return None
    checkpoint = Checkpoint.sign(seq=last.seq, hash=last.hash)
    failures = []
    for store in stores:
        try:
            store.write(checkpoint)
        except Exception as exc:  # noqa: BLE001 - every store is tried; all failures are reported
            failures.append(f"{store}: {type(exc).__name__}: {exc}")
    if failures:
        raise CheckpointError(f"checkpoint #{checkpoint.seq} not written to {'; '.join(failures)}")
    return checkpoint


@dataclass
class ChainCheck:
    """What `audit_verify` found: how far the chain holds, and the first event that does not."""

    checked: int = 0
    last_seq: int = 0
    last_hash: str = ""
    problem_seq: int | None = None  # the first missing or changed event
    problem_event: AuditEvent | None = None  # None when that event is missing
    reason: str = ""
    checkpoint: Checkpoint | None = None
    stores: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem_seq is None and not self.reason

    def describe(self) -> str:
        if self.ok:
            return f"{self.checked} event(s) verified"
        if self.problem_seq is None:
            return self.reason
        if self.problem_event is None:
            where = f"event #{self.problem_seq} (missing)"
        else:
            event = self.problem_event
            where = f"event #{event.seq} (id {event.pk}, {event.kind}, {event.created_at.isoformat()})"
        return f"{where}: {self.reason}. {self.checked} earlier event(s) verified"


def _walk(events, *, start_seq: int, checkpoint: Checkpoint | None, previous_hash: str | None = None) -> ChainCheck:
    """Check events from `start_seq` on: unbroken numbering, links, keyed hashes, the checkpoint."""
    check = ChainCheck(checkpoint=checkpoint)
    expected_seq = start_seq
    for event in events.iterator(chunk_size=2000):
        if event.seq != expected_seq:
            check.problem_seq = expected_seq
            check.reason = f"missing: the log goes from #{expected_seq - 1} to #{event.seq}"
            return check
        if event.compute_hash() != event.hash:
            check.problem_seq, check.problem_event = event.seq, event
            check.reason = (
                "its content does not match its keyed hash: the row was changed, or its hash recomputed without the key"
            )
            return check
        if previous_hash is not None and event.prev_hash != previous_hash:
            check.problem_seq, check.problem_event = event.seq, event
            check.reason = "its previous-hash does not match the hash of the event before it"
            return check
        if checkpoint is not None and event.seq == checkpoint.seq and event.hash != checkpoint.hash:
            check.problem_seq, check.problem_event = event.seq, event
            check.reason = (
                f"it does not match the checkpoint of {checkpoint.time}: the events up to here were deleted "
                "and written again, or rebuilt by someone holding the key, after that checkpoint"
            )
            return check
        previous_hash = event.hash
        check.last_seq, check.last_hash = event.seq, event.hash
        expected_seq += 1
        check.checked += 1
    if checkpoint is not None and checkpoint.seq >= expected_seq:
        check.problem_seq = expected_seq
        deleted = (
            f"event #{expected_seq} was"
            if expected_seq == checkpoint.seq
            else f"events #{expected_seq} to #{checkpoint.seq} were"
        )
        check.reason = (
            f"missing: the checkpoint of {checkpoint.time} shows the log reaching event #{checkpoint.seq}, "
            f"but it ends at #{expected_seq - 1}; {deleted} deleted"
        )
    return check


def audit_verify(*, using: str = "default", checkpoint: Checkpoint | None = None) -> ChainCheck:
    """Walk the whole chain in order and compare its end with the latest checkpoint.

    `checkpoint` replaces the stores' latest one (e.g. a line read back from syslog). Finds
    an edited row (its keyed hash), a deleted row (the numbering), a deleted tail (the
    checkpoint's sequence number), a chain rebuilt without the key (the keyed hashes) and
    one rebuilt with it up to the checkpoint (the checkpoint's hash).
    """
    looked = ["--checkpoint"]
    if checkpoint is None:
        try:
            checkpoint, looked = latest_checkpoint(configured_stores())
        except CheckpointError as exc:
            return ChainCheck(reason=str(exc))
    events = AuditEvent.objects.using(using).order_by("seq")
    check = _walk(events, start_seq=1, checkpoint=checkpoint, previous_hash=GENESIS_HASH)
    check.stores = looked
    if check.ok and checkpoint is None and looked and check.last_seq >= settings.AUDIT_CHECKPOINT_EVERY:
        check.reason = (
            f"no checkpoint found in {', '.join(looked)} although the log has {check.last_seq} events: the "
            "checkpoints were removed or could not be written, so a deleted tail would go unnoticed"
        )
    return check
