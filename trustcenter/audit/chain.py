"""The keyed hash chain: how an audit row's hash is computed, and the key it is computed with.

Each row's hash is an HMAC-SHA256, under `settings.AUDIT_HMAC_KEY`, of the row's content and
the hash of the row before it. The key lives in the environment, never in the database, so
someone who can only change the database can change a row but cannot give it a hash that
`verify_audit` accepts, nor recompute the rows after it.

Plain functions over plain values, so the data migration that re-keyed the old, unkeyed
chain uses exactly the code the app uses.
"""

import hashlib
import hmac
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

GENESIS_HASH = "0" * 64
# Separate keys for separate jobs, both derived from the one configured secret.
_CHAIN_LABEL = b"trustcenter audit chain v1"
_CHECKPOINT_LABEL = b"trustcenter audit checkpoint v1"
_KEY_ID_LABEL = b"trustcenter audit key id v1"


def _secret() -> bytes:
    key = settings.AUDIT_HMAC_KEY
    if not key:
        raise RuntimeError("AUDIT_HMAC_KEY is empty; trustcenter/settings.py should have refused to start")
    return key.encode()


def _subkey(label: bytes) -> bytes:
    return hmac.new(_secret(), label, hashlib.sha256).digest()


def key_id() -> str:
    """A short public fingerprint of the key, written into checkpoints: a wrong key is named as such."""
    return _subkey(_KEY_ID_LABEL).hex()[:16]


def canonical(fields: dict) -> bytes:
    """The bytes a row's hash covers: its fields (all but the hash) as sorted, compact JSON."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder).encode()


def event_fields(event) -> dict:
    """The hashed fields of an audit row (a model instance, current or historical)."""
    return {
        "seq": event.seq,
        "kind": event.kind,
        "actor_id": event.actor_id,
        "actor_email": event.actor_email,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "subject": event.subject,
        "data": event.data,
        "created_at": event.created_at.isoformat(timespec="microseconds"),
        "prev_hash": event.prev_hash,
    }


def event_hash(event) -> str:
    return hmac.new(_subkey(_CHAIN_LABEL), canonical(event_fields(event)), hashlib.sha256).hexdigest()


def unkeyed_event_hash(event) -> str:
    """The plain SHA-256 the chain used before it was keyed (read once, by the re-keying migration)."""
    return hashlib.sha256(canonical(event_fields(event))).hexdigest()


def checkpoint_signature(payload: dict) -> str:
    return hmac.new(_subkey(_CHECKPOINT_LABEL), canonical(payload), hashlib.sha256).hexdigest()


def signatures_match(first: str, second: str) -> bool:
    return hmac.compare_digest(first.encode(), second.encode())
