"""Signed checkpoints of the audit chain, kept where the database role cannot change them.

A checkpoint says "at `time`, the chain ended at event `seq` with hash `hash`", signed with
a key derived from `AUDIT_HMAC_KEY`. `verify_audit` compares the chain with the latest one:
events deleted from the end of the log, or a chain rebuilt by someone who has the database
but not the key, no longer match it.

Where checkpoints go (`AUDIT_CHECKPOINTS`, one or more of):

- `file`: one JSON line per checkpoint appended to `AUDIT_CHECKPOINT_FILE`. Make the file
  append-only for the app's user (`chattr +a`) or ship it off the machine.
- `s3`: one object per checkpoint in `AUDIT_CHECKPOINT_S3_BUCKET`, never overwritten; a bucket
  with Object Lock (or a policy without DeleteObject) keeps them even from the app's keys.
- `syslog`: one message per checkpoint to `AUDIT_CHECKPOINT_SYSLOG` (a socket path or
  host:port); the log collector keeps them, `verify_audit --checkpoint` reads one back.
"""

import json
import os
import socket
from dataclasses import asdict, dataclass
from logging.handlers import SysLogHandler
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from trustcenter.audit import chain

SYSLOG_TAG = "trustcenter-audit-checkpoint"


class CheckpointError(Exception):
    """A checkpoint that cannot be written or read, or that is not genuine; the message says which."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    time: str
    key_id: str
    signature: str

    @classmethod
    def sign(cls, *, seq: int, hash: str) -> "Checkpoint":
        payload = {"seq": seq, "hash": hash, "time": timezone.now().isoformat(), "key_id": chain.key_id()}
        return cls(**payload, signature=chain.checkpoint_signature(payload))

    @classmethod
    def parse(cls, text: str, *, where: str) -> "Checkpoint":
        """Read one checkpoint and check its signature; `where` names it in error messages."""
        try:
            raw = json.loads(text)
            checkpoint = cls(
                seq=int(raw["seq"]),
                hash=str(raw["hash"]),
                time=str(raw["time"]),
                key_id=str(raw["key_id"]),
                signature=str(raw["signature"]),
            )
        except (ValueError, KeyError, TypeError):
            raise CheckpointError(
                f"{where} is not a checkpoint (expected JSON with seq, hash, time, key_id, signature)"
            ) from None
        if checkpoint.key_id != chain.key_id():
            raise CheckpointError(
                f"{where} was signed with another key (key id {checkpoint.key_id}, this deployment's is "
                f"{chain.key_id()}): AUDIT_HMAC_KEY is not the key the log was written with"
            )
        if not chain.signatures_match(chain.checkpoint_signature(checkpoint.payload()), checkpoint.signature):
            raise CheckpointError(
                f"{where} has a wrong signature: it was written or changed by someone without the key"
            )
        return checkpoint

    def payload(self) -> dict:
        return {"seq": self.seq, "hash": self.hash, "time": self.time, "key_id": self.key_id}

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))


class FileStore:
    name = "file"
    readable = True

    def __init__(self, path: Path):
        self.path = Path(path)

    def __str__(self):
        return f"file {self.path}"

    def write(self, checkpoint: Checkpoint) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = (checkpoint.to_json() + "\n").encode()
        # O_APPEND with one short write: lines from several processes never interleave, and a
        # file made append-only (chattr +a) still accepts it.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def latest(self) -> Checkpoint | None:
        try:
            lines = self.path.read_text().splitlines()
        except FileNotFoundError:
            return None
        best = None
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            checkpoint = Checkpoint.parse(line, where=f"{self.path} line {number}")
            if best is None or checkpoint.seq >= best.seq:
                best = checkpoint
        return best


class S3Store:
    name = "s3"
    readable = True

    def __init__(self, options: dict):
        from storages.backends.s3 import S3Storage  # only when configured

        self.storage = S3Storage(**options)
        self.bucket = options["bucket_name"]

    def __str__(self):
        return f"S3 bucket {self.bucket}"

    def write(self, checkpoint: Checkpoint) -> None:
        # Names sort by sequence number; the time keeps two checkpoints of one seq apart.
        stamp = checkpoint.time.replace(":", "").replace("+", "Z")
        saved = self.storage.save(f"{checkpoint.seq:020d}-{stamp}.json", ContentFile(checkpoint.to_json().encode()))
        if not saved:
            raise CheckpointError(f"{self} did not store the checkpoint")

    def latest(self) -> Checkpoint | None:
        _folders, names = self.storage.listdir("")
        names = sorted(name for name in names if name.endswith(".json"))
        if not names:
            return None
        with self.storage.open(names[-1], "rb") as handle:
            return Checkpoint.parse(handle.read().decode(), where=f"{self} object {names[-1]}")


class SyslogStore:
    name = "syslog"
    readable = False

    def __init__(self, address: str):
        host, _, port = address.rpartition(":")
        self.address = (host.strip("[]"), int(port)) if host and port.isdigit() else address
        self.label = address

    def __str__(self):
        return f"syslog {self.label}"

    def write(self, checkpoint: Checkpoint) -> None:
        # One datagram in the classic syslog format (RFC 3164 without a header: the receiver
        # stamps time and host); facility authpriv, severity notice. Sent here rather than
        # through logging.SysLogHandler, which would swallow a send error.
        priority = SysLogHandler.LOG_AUTHPRIV * 8 + SysLogHandler.LOG_NOTICE
        message = f"<{priority}>{SYSLOG_TAG}: {checkpoint.to_json()}".encode()
        if isinstance(self.address, tuple):
            family, _type, _proto, _name, target = socket.getaddrinfo(*self.address, type=socket.SOCK_DGRAM)[0]
        else:
            family, target = socket.AF_UNIX, self.address
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.settimeout(5)
            sock.sendto(message, target)

    def latest(self) -> Checkpoint | None:
        return None


def configured_stores() -> list:
    """The checkpoint stores named in `settings.AUDIT_CHECKPOINTS`, ready to use."""
    stores = []
    for name in settings.AUDIT_CHECKPOINTS:
        if name == "file":
            stores.append(FileStore(settings.AUDIT_CHECKPOINT_FILE))
        elif name == "s3":
            stores.append(S3Store(settings.AUDIT_CHECKPOINT_S3))
        elif name == "syslog":
            stores.append(SyslogStore(settings.AUDIT_CHECKPOINT_SYSLOG))
        else:  # settings.py checks the names; this guards a test that overrides them
            raise CheckpointError(f"unknown checkpoint store {name!r}; use file, s3 or syslog")
    return stores


def latest_checkpoint(stores: list) -> tuple[Checkpoint | None, list[str]]:
    """The newest genuine checkpoint across the readable stores, and the stores it was looked for in."""
    best, looked = None, []
    for store in stores:
        if not store.readable:
            continue
        looked.append(str(store))
        try:
            checkpoint = store.latest()
        except CheckpointError:
            raise
        except Exception as exc:
            raise CheckpointError(f"could not read checkpoints from {store}: {type(exc).__name__}: {exc}") from exc
        if checkpoint is not None and (best is None or checkpoint.seq > best.seq):
            best = checkpoint
    return best, looked
