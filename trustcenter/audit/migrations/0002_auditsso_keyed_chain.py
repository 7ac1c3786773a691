"""Re-key the audit chain once: from plain SHA-256 to HMAC-SHA256 under AUDIT_HMAC_KEY.

The old chain is checked first, with the old hash, and what was found is recorded in an
`audit.chain_rekeyed` event appended to the new chain (with the old chain's last hash, which
matches any "Last hash" an operator kept from an earlier `verify_audit`). A break in the
old chain is therefore kept as evidence instead of being silently re-keyed away.
"""

from django.db import migrations
from django.utils import timezone

from trustcenter.audit import chain


def _check_old_chain(events) -> dict:
    previous, expected = chain.GENESIS_HASH, 1
    for event in events:
        if event.seq != expected:
            return {"intact": False, "first_problem": f"#{expected} missing"}
        if event.prev_hash != previous or chain.unkeyed_event_hash(event) != event.hash:
            return {"intact": False, "first_problem": f"#{event.seq} changed"}
        previous, expected = event.hash, expected + 1
    return {"intact": True, "first_problem": ""}


def rekey(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    using = schema_editor.connection.alias
    events = list(AuditEvent.objects.using(using).order_by("seq"))
    if not events:
        return
    found = _check_old_chain(events)
    old_last_hash = events[-1].hash
    previous = chain.GENESIS_HASH
    for event in events:
        event.prev_hash = previous
        event.hash = chain.event_hash(event)
        previous = event.hash
    AuditEvent.objects.using(using).bulk_update(events, ["prev_hash", "hash"], batch_size=500)
    marker = AuditEvent(
        seq=events[-1].seq + 1,
        kind="audit.chain_rekeyed",
        subject="audit:chain",
        data={
            "events": len(events),
            "old_last_hash": old_last_hash,
            "old_chain_intact": found["intact"],
            "old_chain_first_problem": found["first_problem"],
            "key_id": chain.key_id(),
        },
        created_at=timezone.now(),
        prev_hash=previous,
    )
    marker.hash = chain.event_hash(marker)
    marker.save(using=using)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    # Going back leaves the keyed hashes; the old code would then report the chain as changed.
    operations = [migrations.RunPython(rekey, migrations.RunPython.noop, elidable=False)]
