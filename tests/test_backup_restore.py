"""`manage.py backup` and `restore`: a whole deployment out to one archive and back into an empty one.

The round trip runs on SQLite in the first pass of `make test` and on PostgreSQL in the
second, and once more with private files in a real S3-compatible bucket.
"""

import datetime
import hashlib
import io
import json
import tarfile

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from trustcenter.audit.models import AuditEvent
from trustcenter.audit.services import audit_record
from trustcenter.core.backup import _Encoder, _storage_files, backed_up_models
from trustcenter.documents.models import Document
from trustcenter.policies.models import Policy, PolicyVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def deployment(published, private_storage, make_document, prospect, sales, security_admin):
    """A deployment with everything in it: policies with history, documents, users, audit trail, admin log."""
    make_document(title="SOC 2 Type II report", visibility="nda", pages=4)
    make_document(
        title="ISO 27001 certificate", kind="iso27001_certificate", framework="ISO 27001", visibility="public"
    )
    for n, user in enumerate([prospect, sales, security_admin]):
        audit_record(kind="account.signed_in", actor=user, subject=f"user:{user.pk}", data={"n": n})
    audit_record(kind="document.downloaded", actor=prospect, subject="document:1", data={"when": "now"})
    LogEntry.objects.log_actions(
        user_id=security_admin.pk,
        queryset=Policy.objects.all()[:2],
        action_flag=ADDITION,
        change_message="Added.",
    )
    return published


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    """A restore can give content types other ids than the test database had (one test does so
    on purpose); the process-wide content-type cache must not carry them into the next test."""
    yield
    ContentType.objects.clear_cache()


def snapshot() -> dict:
    """Every backed-up row (as Django serializes it, to the microsecond) and every private file's SHA-256."""
    rows = {}
    for model in backed_up_models():
        objects = serializers.serialize(
            "python", model._base_manager.order_by(model._meta.pk.name), use_natural_foreign_keys=True
        )
        rows[model._meta.label_lower] = json.loads(json.dumps(objects, cls=_Encoder, sort_keys=True))
    files = {}
    for name in _storage_files():
        with default_storage.open(name, "rb") as handle:
            files[name] = hashlib.sha256(handle.read()).hexdigest()
    return {"rows": rows, "files": files}


def pages() -> dict[str, tuple[int, bytes]]:
    """What a visitor sees (the lock page for NDA policies), rendered fresh (no cached page)."""
    cache.clear()
    urls = ["/", "/documents/", "/changes/", "/changes/feed/", "/search/?q=encryption", "/sitemap.xml"]
    for policy in Policy.objects.order_by("slug"):
        urls.append(f"/policies/{policy.slug}/")
        urls += [f"/policies/{policy.slug}/v/{v.number}/" for v in policy.versions.order_by("number")]
    client = Client()
    seen = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 403), url
        seen[url] = (response.status_code, response.content)
    return seen


def wipe(private_root) -> None:
    """An empty deployment: a flushed, migrated database and an empty private folder."""
    if connection.vendor == "postgresql":
        # Inside the test's transaction: fire the deferred foreign-key checks now, or TRUNCATE refuses.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", "--noinput", verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    for path in sorted(private_root.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    cache.clear()


def test_backup_wipe_restore_gives_back_the_identical_deployment(deployment, private_storage, tmp_path, capsys):
    before, pages_before = snapshot(), pages()
    assert before["rows"]["audit.auditevent"] and before["rows"]["documents.document"]
    assert len(before["files"]) == Document.objects.count() == 2
    archive = tmp_path / "backup.tar.gz"

    call_command("backup", str(archive))
    out = capsys.readouterr().out
    assert f"Backup written to {archive}" in out and "2 file(s)" in out

    wipe(private_storage)
    assert not PolicyVersion.objects.exists() and not AuditEvent.objects.exists()
    assert list(_storage_files()) == []

    call_command("restore", str(archive))
    assert "Restored" in capsys.readouterr().out
    assert snapshot() == before
    assert pages() == pages_before
    call_command("verify_audit")
    assert "Audit chain intact: 4 event(s) verified" in capsys.readouterr().out


def test_restored_documents_download_byte_for_byte(deployment, private_storage, tmp_path):
    public = Document.objects.get(visibility="public")
    original = Client().get(f"/documents/{public.pk}/download/")
    assert original.status_code == 200
    body = b"".join(original.streaming_content) if original.streaming else original.content
    call_command("backup", str(tmp_path / "b.tar.gz"), verbosity=0)
    wipe(private_storage)
    call_command("restore", str(tmp_path / "b.tar.gz"), verbosity=0)
    again = Client().get(f"/documents/{public.pk}/download/")
    assert again.status_code == 200
    assert (b"".join(again.streaming_content) if again.streaming else again.content) == body
    assert hashlib.sha256(body).hexdigest() == Document.objects.get(pk=public.pk).sha256


def test_new_rows_after_a_restore_get_fresh_ids(deployment, private_storage, tmp_path, make_document):
    """Sequences are moved past the restored ids (PostgreSQL), so the next row does not collide."""
    highest = Document.objects.order_by("-pk").first().pk
    call_command("backup", str(tmp_path / "b.tar.gz"), verbosity=0)
    wipe(private_storage)
    call_command("restore", str(tmp_path / "b.tar.gz"), verbosity=0)
    assert make_document(title="Pen-test summary", kind="pentest_summary").pk > highest
    event = audit_record(kind="backup.checked", subject="after restore")
    assert event.seq == 5
    call_command("verify_audit", verbosity=0)


def test_the_manifest_lists_every_member_with_its_sha256(deployment, tmp_path):
    archive = tmp_path / "b.tar.gz"
    call_command("backup", str(archive), verbosity=0)
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        names = sorted(m.name for m in tar.getmembers())
        for name, facts in manifest["members"].items():
            data = tar.extractfile(name).read()
            assert hashlib.sha256(data).hexdigest() == facts["sha256"] and len(data) == facts["size"]
    assert names == sorted([*manifest["members"], "manifest.json"])
    assert sorted(n for n in names if n.startswith("files/")) == sorted(
        f"files/{d.file.name}" for d in Document.objects.all()
    )
    assert manifest["rows"]["policies.policyversion"] == PolicyVersion.objects.count()
    assert "sessions.session" not in manifest["rows"] and "contenttypes.contenttype" not in manifest["rows"]
    assert manifest["migrations"]["policies"][0] == "0001_initial"


def test_times_keep_their_microseconds(deployment, tmp_path):
    event = AuditEvent.objects.order_by("seq").first()
    assert event.created_at.microsecond  # what the chain hashes
    archive = tmp_path / "b.tar.gz"
    call_command("backup", str(archive), verbosity=0)
    with tarfile.open(archive) as tar:
        lines = tar.extractfile("database.jsonl").read().decode().splitlines()
    row = next(json.loads(line) for line in lines if json.loads(line)["model"] == "audit.auditevent")
    assert datetime.datetime.fromisoformat(row["fields"]["created_at"]) == event.created_at


def test_a_backup_never_overwrites_a_file(deployment, tmp_path):
    archive = tmp_path / "b.tar.gz"
    archive.write_bytes(b"an older backup")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(archive))
    assert archive.read_bytes() == b"an older backup"


def test_restore_refuses_a_deployment_that_is_not_empty(deployment, tmp_path):
    archive = tmp_path / "b.tar.gz"
    call_command("backup", str(archive), verbosity=0)
    before = snapshot()
    with pytest.raises(CommandError, match=r"empty deployment, but these tables have rows: .*policies\.policy"):
        call_command("restore", str(archive))
    assert snapshot() == before


def test_restore_refuses_when_private_storage_has_files(deployment, private_storage, tmp_path):
    archive = tmp_path / "b.tar.gz"
    call_command("backup", str(archive), verbosity=0)
    wipe(private_storage)
    default_storage.save("documents/left-over.pdf", ContentFile(b"x"))
    with pytest.raises(CommandError, match="private storage already has 1 file"):
        call_command("restore", str(archive))
    assert not PolicyVersion.objects.exists()


def _rewrite(archive, target, change):
    """Copy `archive` to `target`, passing each member's bytes through change(name, data)."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for member in source.getmembers():
            data = change(member.name, source.extractfile(member).read())
            if data is None:
                continue
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))


def _with_manifest(change):
    def rewrite(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        change(manifest)
        return json.dumps(manifest).encode()

    return rewrite


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda name, data: data.replace(b"%PDF", b"%PDX", 1) if name.startswith("files/") else data,
            "does not match the SHA-256 in the manifest",
        ),
        (lambda name, data: None if name.startswith("files/") else data, "does not match its manifest: missing"),
        (lambda name, data: None if name == "manifest.json" else data, "has no manifest.json"),
        (_with_manifest(lambda m: m.update(format_version=99)), "not a trustcenter-backup version 1 archive"),
        (
            _with_manifest(lambda m: m["migrations"]["policies"].append("0099_from_the_future")),
            r"only in the backup: \['policies.0099_from_the_future'\]",
        ),
    ],
    ids=["changed-file", "missing-file", "no-manifest", "other-format", "newer-migrations"],
)
def test_a_damaged_or_foreign_archive_is_refused_before_anything_is_written(
    deployment, private_storage, tmp_path, change, message
):
    archive, damaged = tmp_path / "b.tar.gz", tmp_path / "damaged.tar.gz"
    call_command("backup", str(archive), verbosity=0)
    _rewrite(archive, damaged, change)
    wipe(private_storage)
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(damaged))
    assert not PolicyVersion.objects.exists() and list(_storage_files()) == []


def test_a_member_outside_the_archive_folder_is_refused(deployment, private_storage, tmp_path):
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as out:
        info = tarfile.TarInfo("../../etc/cron.d/evil")
        info.size = 1
        out.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(CommandError, match="unexpected member '../../etc/cron.d/evil'"):
        call_command("restore", str(archive))


def test_a_restore_that_fails_halfway_leaves_the_deployment_empty(deployment, private_storage, tmp_path):
    """A row that cannot be saved rolls the database back and removes the files already written."""
    archive, broken = tmp_path / "b.tar.gz", tmp_path / "broken.tar.gz"
    call_command("backup", str(archive), verbosity=0)

    def break_a_row(name, data):
        if name != "database.jsonl":
            return data
        lines = data.decode().splitlines()
        for i, line in enumerate(lines):
            row = json.loads(line)
            if row["model"] == "policies.policyversion":
                row["fields"]["policy"] = 999_999  # points at no policy
                lines[i] = json.dumps(row)
                break
        return ("\n".join(lines) + "\n").encode()

    _rewrite(archive, broken, break_a_row)
    # The manifest must match the changed member, as if the backup had been made that way.
    with tarfile.open(broken) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    manifest = json.loads(members["manifest.json"])
    body = members["database.jsonl"]
    manifest["members"]["database.jsonl"] = {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    _rewrite(archive, broken, lambda n, d: json.dumps(manifest).encode() if n == "manifest.json" else members[n])

    wipe(private_storage)
    with pytest.raises(CommandError, match="restore failed and was rolled back"):
        call_command("restore", str(broken))
    assert not PolicyVersion.objects.exists() and not AuditEvent.objects.exists()
    assert list(_storage_files()) == []


def test_backup_and_restore_with_files_in_s3(
    deployment, private_storage, s3_storage, s3_server, tmp_path, settings, monkeypatch
):
    """Private files in a bucket go into the archive and back into a new, empty bucket."""
    from trustcenter.lib.storage import private_storage_settings

    for document in Document.objects.all():  # move the documents' files into the bucket
        with open(private_storage / document.file.name, "rb") as handle:
            default_storage.save(document.file.name, handle)
    before = snapshot()
    assert len(before["files"]) == 2
    archive = tmp_path / "b.tar.gz"
    call_command("backup", str(archive), verbosity=0)

    wipe(private_storage)
    fresh = "tc-restored-bucket"
    s3_server.client().create_bucket(Bucket=fresh)
    monkeypatch.setenv("S3_BUCKET", fresh)
    settings.STORAGES = {**settings.STORAGES, "default": private_storage_settings(private_root=settings.PRIVATE_ROOT)}
    call_command("restore", str(archive), verbosity=0)
    assert snapshot() == before
    keys = sorted(o["Key"] for o in s3_server.client().list_objects_v2(Bucket=fresh)["Contents"])
    assert keys == sorted(before["files"])
    call_command("verify_audit", verbosity=0)


def test_content_types_are_matched_by_name_not_by_id(deployment, private_storage, tmp_path):
    """Admin log entries point to content types by app and model, so different ids after migrate do not matter."""
    call_command("backup", str(tmp_path / "b.tar.gz"), verbosity=0)
    wipe(private_storage)
    policy_type = ContentType.objects.get_for_model(Policy)
    old_id = policy_type.pk
    # Give the content type another id, as a database migrated in another order would.
    ContentType.objects.filter(pk=old_id).update(id=old_id + 1000)
    Permission.objects.filter(content_type_id=old_id).update(content_type_id=old_id + 1000)
    call_command("restore", str(tmp_path / "b.tar.gz"), verbosity=0)
    entries = LogEntry.objects.all()
    assert entries.count() == 2
    assert {e.content_type_id for e in entries} == {old_id + 1000}


def test_signatures_grants_and_decisions_survive_a_round_trip(
    deployment,
    private_storage,
    tmp_path,
    capsys,
    client,
    customer,
    pending_requester,
    revoked_customer,
    blocked_org_user,
):
    """The gated state comes back exactly: who signed which NDA text, who holds which grant, and what they may read."""
    from pypdf import PdfReader

    from trustcenter.access.models import AccessGrant, AccessRequest, NdaSignature, Organization

    soc2 = Document.objects.get(title="SOC 2 Type II report")
    client.force_login(customer)
    assert client.get(f"/documents/{soc2.pk}/download/").status_code == 200
    client.force_login(revoked_customer)
    assert client.get(f"/documents/{soc2.pk}/download/").status_code == 403
    before = snapshot()
    counts = {
        model: model.objects.count() for model in (NdaSignature, AccessGrant, AccessRequest, Organization, AuditEvent)
    }
    assert counts[NdaSignature] == 4 and counts[AccessGrant] == 3 and counts[AccessRequest] == 4
    archive = tmp_path / "gated.tar.gz"
    call_command("backup", str(archive))

    wipe(private_storage)
    assert not NdaSignature.objects.exists() and not AccessGrant.objects.exists()
    call_command("restore", str(archive))
    capsys.readouterr()

    assert snapshot() == before
    assert {model: model.objects.count() for model in counts} == counts
    signature = NdaSignature.objects.get(user__email=customer.email)
    assert signature.text_sha256 == signature.nda.text_sha256
    call_command("verify_audit")
    assert f"Audit chain intact: {counts[AuditEvent]} event(s) verified" in capsys.readouterr().out

    # The decisions follow the restored rows: the customer still downloads a stamped copy, the others are refused.
    client.force_login(customer)
    response = client.get(f"/documents/{soc2.pk}/download/")
    assert response.status_code == 200
    assert "casey@northwind.example" in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    for refused in (revoked_customer, pending_requester, blocked_org_user):
        client.force_login(refused)
        assert client.get(f"/documents/{soc2.pk}/download/").status_code == 403, refused.email
    call_command("verify_audit")
