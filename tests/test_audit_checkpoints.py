"""The keyed audit chain and its signed checkpoints: what an insider with the database can and cannot hide.

Each attack is done the way an insider would: raw SQL, or a plain QuerySet update that skips
the model's append-only guard. `verify_audit` must name the row every time.
"""

import hashlib
import hmac
import io
import json
import socket
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, models

from trustcenter.audit import chain
from trustcenter.audit.checkpoints import Checkpoint, FileStore
from trustcenter.audit.models import GENESIS_HASH, AuditEvent
from trustcenter.audit.services import audit_checkpoint, audit_record, audit_verify


def record(n: int, start: int = 0) -> list[AuditEvent]:
    return [
        audit_record(kind="document.downloaded", subject=f"document:{i}", data={"i": i})
        for i in range(start, start + n)
    ]


def verify(*args) -> str:
    out = io.StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def broken(*args) -> str:
    with pytest.raises(CommandError) as failure:
        verify(*args)
    return str(failure.value)


def raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def unguarded():
    """A QuerySet without the app's append-only guard, as anyone with the database could write."""
    return models.QuerySet(model=AuditEvent)


def keyed_with(key: bytes, event: AuditEvent) -> str:
    """What an insider who guessed a key (but not ours) computes for a row."""
    return hmac.new(key, chain.canonical(chain.event_fields(event)), hashlib.sha256).hexdigest()


def recompute_from(seq: int, hasher) -> None:
    """Rewrite every hash from `seq` on with `hasher`, so the links hold again: a rebuilt chain."""
    events = list(AuditEvent.objects.order_by("seq"))
    previous = GENESIS_HASH if seq == 1 else events[seq - 2].hash
    for event in events[seq - 1 :]:
        event.prev_hash = previous
        event.hash = hasher(event)
        unguarded().filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)
        previous = event.hash


# --- The three attacks of the outside test, each against a checkpointed chain ---------------------


def test_one_row_edited_with_raw_sql_is_named(db):
    record(10)
    call_command("audit_checkpoint", stdout=io.StringIO())
    raw("UPDATE audit_auditevent SET subject = %s WHERE seq = %s", ["document:99", 4])
    message = broken()
    assert "Audit chain broken at event #4 (id " in message
    assert "does not match its keyed hash" in message and "3 earlier event(s) verified" in message


def test_the_newest_row_deleted_is_named_from_the_checkpoint(db):
    record(10)
    call_command("audit_checkpoint", stdout=io.StringIO())
    raw("DELETE FROM audit_auditevent WHERE seq = %s", [10])
    message = broken()
    assert "event #10 (missing)" in message
    assert "the checkpoint of" in message and "reaching event #10, but it ends at #9" in message


def test_a_deleted_tail_of_several_rows_is_named(db):
    record(10)
    call_command("audit_checkpoint", stdout=io.StringIO())
    raw("DELETE FROM audit_auditevent WHERE seq >= %s", [7])
    assert "event #7 (missing)" in broken() and "events #7 to #10 were deleted" in broken()


def test_the_whole_chain_recomputed_without_the_key_is_named_at_its_first_row(db):
    record(10)
    call_command("audit_checkpoint", stdout=io.StringIO())
    unguarded().filter(seq=6).update(subject="document:forged")
    # The old, unkeyed recipe (what compute_hash() did before) for every row: all links hold.
    recompute_from(1, lambda event: hashlib.sha256(chain.canonical(chain.event_fields(event))).hexdigest())
    message = broken()
    assert "event #1 (id " in message and "recomputed without the key" in message


def test_a_chain_rebuilt_from_the_edited_row_with_a_guessed_key_is_named_at_that_row(db):
    record(10)
    unguarded().filter(seq=6).update(subject="document:forged")
    recompute_from(6, lambda event: keyed_with(b"a guessed key", event))
    assert "event #6 (id " in broken()


def test_the_attacks_are_also_named_without_a_checkpoint_except_the_deleted_tail(db):
    """Between checkpoints only the key protects the chain: edits show, a cut end cannot."""
    record(5)
    raw("DELETE FROM audit_auditevent WHERE seq = %s", [5])
    assert "Audit chain intact: 4 event(s)" in verify()
    raw("UPDATE audit_auditevent SET kind = %s WHERE seq = %s", ["x", 2])
    assert "event #2 (id " in broken()


# --- Someone who also holds the key ----------------------------------------------------------------


def test_a_chain_rebuilt_with_the_key_is_named_at_the_checkpoint(db):
    record(10)
    call_command("audit_checkpoint", stdout=io.StringIO())
    unguarded().filter(seq=3).update(subject="document:forged")
    recompute_from(3, chain.event_hash)
    message = broken()
    assert "event #10 (id " in message and "does not match the checkpoint" in message


def test_no_checkpoint_is_written_over_a_chain_that_was_cut(db):
    """Otherwise the timer would anchor the shortened chain, and the cut would disappear."""
    record(10)
    call_command("audit_checkpoint", stdout=io.StringIO())
    raw("DELETE FROM audit_auditevent WHERE seq >= %s", [9])
    record(3)  # new events reuse #9 and #10 and go on to #11
    with pytest.raises(CommandError, match=r"no checkpoint written: event #10 \(id \d+.*does not match the checkpoint"):
        call_command("audit_checkpoint")
    assert "event #10 (id " in broken()


# --- Checkpoints themselves -----------------------------------------------------------------------


def test_a_checkpoint_records_sequence_hash_time_and_a_signature(db):
    events = record(3)
    out = io.StringIO()
    call_command("audit_checkpoint", stdout=out)
    assert f"event #3, {events[-1].hash}" in out.getvalue()
    line = json.loads(settings.AUDIT_CHECKPOINT_FILE.read_text())
    assert line["seq"] == 3 and line["hash"] == events[-1].hash and line["key_id"] == chain.key_id()
    assert line["time"].startswith("20") and len(line["signature"]) == 64
    assert "Matches the checkpoint of" in verify() and "at event #3; 0 later event(s)" in verify()


def test_the_command_writes_nothing_when_the_checkpoint_is_current_unless_forced(db):
    record(2)
    call_command("audit_checkpoint", stdout=io.StringIO())
    out = io.StringIO()
    call_command("audit_checkpoint", stdout=out)
    assert "Nothing to do" in out.getvalue()
    call_command("audit_checkpoint", "--force", stdout=io.StringIO())
    assert len(settings.AUDIT_CHECKPOINT_FILE.read_text().splitlines()) == 2


def test_an_empty_log_needs_no_checkpoint(db):
    assert audit_checkpoint() is None
    assert "0 event(s) verified" in verify() and "No checkpoint yet" in verify()


def test_a_checkpoint_is_written_after_every_n_events_once_committed(db, settings, django_capture_on_commit_callbacks):
    settings.AUDIT_CHECKPOINT_EVERY = 4

    def checkpointed():
        lines = (
            settings.AUDIT_CHECKPOINT_FILE.read_text().splitlines() if settings.AUDIT_CHECKPOINT_FILE.exists() else []
        )
        return [json.loads(line)["seq"] for line in lines]

    with django_capture_on_commit_callbacks(execute=True):
        record(3)
    assert checkpointed() == []
    with django_capture_on_commit_callbacks(execute=True):
        record(1)
    assert checkpointed() == [4]
    # One transaction passing #8: the checkpoint, written after the commit, covers all of it.
    with django_capture_on_commit_callbacks(execute=True):
        record(5)
    assert checkpointed() == [4, 9]


def test_a_rolled_back_event_gets_no_checkpoint(db, settings, django_capture_on_commit_callbacks):
    settings.AUDIT_CHECKPOINT_EVERY = 1
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record(1)
    assert len(callbacks) == 1  # runs only if the transaction commits
    assert not settings.AUDIT_CHECKPOINT_FILE.exists()


def test_a_forged_checkpoint_line_is_refused(db):
    events = record(5)
    forged = {"seq": 9, "hash": events[-1].hash, "time": "2026-12-01T00:00:00+00:00", "key_id": chain.key_id()}
    forged["signature"] = "0" * 64
    settings.AUDIT_CHECKPOINT_FILE.write_text(json.dumps(forged) + "\n")
    message = broken()
    assert "line 1 has a wrong signature" in message


def test_checkpoints_of_another_key_name_the_key_as_the_problem(db, settings):
    record(3)
    call_command("audit_checkpoint", stdout=io.StringIO())
    settings.AUDIT_HMAC_KEY = "another-deployment-key-0123456789abcdef"
    assert "signed with another key" in broken() and "AUDIT_HMAC_KEY is not the key" in broken()


def test_a_long_log_without_any_checkpoint_fails(db, settings):
    settings.AUDIT_CHECKPOINT_EVERY = 3
    record(4)
    assert "no checkpoint found in file" in broken()


def test_a_checkpoint_given_on_the_command_line_is_used(db, tmp_path):
    record(6)
    checkpoint = Checkpoint.sign(seq=6, hash=AuditEvent.objects.get(seq=6).hash)
    saved = tmp_path / "kept.json"
    saved.write_text(checkpoint.to_json())
    raw("DELETE FROM audit_auditevent WHERE seq = %s", [6])
    assert "Audit chain intact: 5" in verify()  # the store has nothing
    assert "event #6 (missing)" in broken("--checkpoint", str(saved))
    assert "event #6 (missing)" in broken("--checkpoint", checkpoint.to_json())


def test_the_file_store_appends_and_never_rewrites(db, tmp_path):
    store = FileStore(tmp_path / "sub" / "checkpoints.jsonl")
    first, second = Checkpoint.sign(seq=1, hash="a" * 64), Checkpoint.sign(seq=2, hash="b" * 64)
    store.write(first)
    store.write(second)
    assert store.path.read_text().splitlines() == [first.to_json(), second.to_json()]
    assert store.latest() == second


# --- Object storage and syslog ---------------------------------------------------------------------


def test_checkpoints_in_a_real_s3_bucket(db, s3_server, settings):
    from trustcenter.lib.storage import s3_options

    bucket = "tc-audit-checkpoints"
    s3_server.client().create_bucket(Bucket=bucket)
    env = s3_server.env(bucket)
    options = s3_options(bucket=bucket, location="anchors")
    options.update(
        endpoint_url=env["S3_ENDPOINT_URL"],
        region_name=env["S3_REGION"],
        addressing_style="path",
        access_key=env["AWS_ACCESS_KEY_ID"],
        secret_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    settings.AUDIT_CHECKPOINTS = ["s3"]
    settings.AUDIT_CHECKPOINT_S3 = options
    record(12)
    call_command("audit_checkpoint", stdout=io.StringIO())
    record(1, start=12)
    call_command("audit_checkpoint", stdout=io.StringIO())
    keys = [o["Key"] for o in s3_server.client().list_objects_v2(Bucket=bucket)["Contents"]]
    assert len(keys) == 2 and all(k.startswith("anchors/0000000000000000001") for k in keys)
    assert "at event #13" in verify()
    raw("DELETE FROM audit_auditevent WHERE seq = %s", [13])
    assert "event #13 (missing)" in broken()


def test_checkpoints_sent_to_syslog_can_be_checked_against(db, settings):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    with receiver:
        settings.AUDIT_CHECKPOINTS = ["syslog"]
        settings.AUDIT_CHECKPOINT_SYSLOG = f"127.0.0.1:{receiver.getsockname()[1]}"
        record(4)
        call_command("audit_checkpoint", stdout=io.StringIO())
        datagram = receiver.recv(4096).decode()
    # authpriv (10) * 8 + notice (5)
    assert datagram.startswith("<85>trustcenter-audit-checkpoint: {")
    assert "No readable checkpoint store" in verify()
    raw("DELETE FROM audit_auditevent WHERE seq = %s", [4])
    assert "event #4 (missing)" in broken("--checkpoint", datagram)


# --- Configuration ---------------------------------------------------------------------------------


def _start(tmp_path, **env) -> subprocess.CompletedProcess:
    import os

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_", "AUDIT_"))}
    clean.pop("SECRET_KEY", None)
    clean.update(VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="trustcenter.settings", **env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; print(s.AUDIT_HMAC_KEY)",
        ],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_an_audit_key(tmp_path):
    result = _start(tmp_path, DEBUG="0", SECRET_KEY="x" * 60, ALLOWED_HOSTS="t.example")
    assert result.returncode != 0 and "AUDIT_HMAC_KEY is not set" in result.stderr
    short = _start(tmp_path, DEBUG="0", SECRET_KEY="x" * 60, AUDIT_HMAC_KEY="short")
    assert short.returncode != 0 and "at least 32 characters" in short.stderr


def test_a_laptop_derives_a_stable_key_from_the_secret_key(tmp_path):
    first = _start(tmp_path, DEBUG="1")
    second = _start(tmp_path, DEBUG="1")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and len(first.stdout.strip()) == 64
    secret = (tmp_path / "dev-secret-key").read_text().strip()
    assert secret not in first.stdout


# --- The migration that keys an existing chain ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("tampered", [False, True])
def test_the_migration_rekeys_an_old_chain_once_and_records_it(tampered):
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0001_initial")])
    OldEvent = executor.loader.project_state([("audit", "0001_initial")]).apps.get_model("audit", "AuditEvent")
    previous = GENESIS_HASH
    for seq in (1, 2, 3):
        event = OldEvent(seq=seq, kind="nda.signed", subject=f"nda:{seq}", data={"n": seq}, created_at=timezone.now())
        event.prev_hash = previous
        event.hash = chain.unkeyed_event_hash(event)
        event.save()
        previous = event.hash
    if tampered:
        raw("UPDATE audit_auditevent SET subject = %s WHERE seq = %s", ["nda:99", 2])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    check = audit_verify()
    assert check.ok and check.checked == 4
    marker = AuditEvent.objects.get(seq=4)
    assert marker.kind == "audit.chain_rekeyed"
    assert marker.data["old_last_hash"] == previous and marker.data["events"] == 3
    assert marker.data["old_chain_intact"] is (not tampered)
    assert marker.data["old_chain_first_problem"] == ("#2 changed" if tampered else "")
