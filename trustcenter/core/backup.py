"""Backups of a whole deployment, and restoring one into an empty deployment.

A backup is one `.tar.gz` file:

    manifest.json        what is inside: format, time, migrations, row counts, and the
                         size and SHA-256 of every other member
    database.jsonl       every row of every model, one JSON object per line, in dependency
                         order and by primary key (Django's serialization: portable between
                         SQLite and PostgreSQL; primary keys kept, so links and the audit
                         chain stay as they were; times to the microsecond)
    files/<name>         every private file (documents, signed NDA copies, cached PDFs)
                         exactly as stored, local folder or S3

Left out on purpose: sessions and allauth's session list (a restore signs everyone out), and content types and
permissions, which `migrate` creates; rows that point to them use natural keys.

The code is generic over `apps.get_models()` and the default storage, so every model and
file added later is covered without a change here.
"""

import datetime
import hashlib
import io
import json
import os
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.duration import duration_iso_string

FORMAT = "trustcenter-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE = "database.jsonl"
FILES_PREFIX = "files/"
CHUNK = 1024 * 1024
# Models whose rows are not part of a backup (see the module docstring).
EXCLUDED_MODELS = {"contenttypes.contenttype", "auth.permission", "sessions.session", "usersessions.usersession"}
# Storage folders that hold no data: readiness probes (core.views.readyz).
EXCLUDED_FOLDERS = {".readyz"}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass
class Summary:
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    bytes: int = 0
    manifest_sha256: str = ""


def backed_up_models() -> list:
    """Every concrete, managed model whose rows a backup holds, in an order that restores cleanly."""
    app_list = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        if model._meta.label_lower in EXCLUDED_MODELS:
            continue
        app_list.setdefault(model._meta.app_config, []).append(model)
    return serializers.sort_dependencies(app_list.items(), allow_cycles=True)


def _applied_migrations(using: str) -> dict[str, list[str]]:
    applied = {}
    for app_label, name in MigrationRecorder(connections[using]).applied_migrations():
        applied.setdefault(app_label, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


class _Encoder(json.JSONEncoder):
    """Like DjangoJSONEncoder, but keeps microseconds (the audit chain hashes them)."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.date | datetime.time):
            return o.isoformat()
        if isinstance(o, datetime.timedelta):
            return duration_iso_string(o)
        if isinstance(o, Decimal | uuid.UUID):
            return str(o)
        if isinstance(o, bytes | memoryview):
            raise TypeError("binary fields are serialized by Django as base64 text")
        return super().default(o)


def _storage_files(folder: str = "") -> Iterator[str]:
    """Every file name in the default storage, depth first, sorted."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for name in sorted(folders):
        if not folder and name in EXCLUDED_FOLDERS:
            continue
        yield from _storage_files(f"{folder}/{name}" if folder else name)


def _add_member(archive: tarfile.TarFile, name: str, handle, size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    archive.addfile(info, handle)


def _spool(source) -> tuple[tempfile.SpooledTemporaryFile, int, str]:
    """Copy a readable into a temporary file, returning it rewound with its size and SHA-256."""
    spool = tempfile.SpooledTemporaryFile(max_size=8 * CHUNK)  # noqa: SIM115 - returned open
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        spool.write(chunk)
        size += len(chunk)
    spool.seek(0)
    return spool, size, digest.hexdigest()


def backup_create(*, out: Path, using: str = DEFAULT_DB_ALIAS) -> Summary:
    """Write a backup of the database and private storage to `out` (which must not exist).

    The database is read in one transaction (a repeatable-read snapshot on PostgreSQL), so
    the rows are consistent with each other. The archive is written next to `out` and
    renamed into place only when complete.
    """
    out = Path(out)
    if out.exists():
        raise BackupError(f"{out} already exists; choose a new file name (a backup never overwrites one)")
    if not out.parent.is_dir():
        raise BackupError(f"the folder {out.parent} does not exist")
    summary = Summary()
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "database_vendor": connections[using].vendor,
        "migrations": _applied_migrations(using),
        "rows": {},
        "members": {},
    }
    partial = out.with_name(f".{out.name}.partial")
    try:
        with tarfile.open(partial, "w:gz") as archive:
            spool, size, sha = _dump_database(using=using, rows=summary.rows)
            with spool:
                _add_member(archive, DATABASE, spool, size)
            manifest["members"][DATABASE] = {"size": size, "sha256": sha}
            manifest["rows"] = summary.rows
            for name in _storage_files():
                with default_storage.open(name, "rb") as source:
                    spool, size, sha = _spool(source)
                with spool:
                    _add_member(archive, FILES_PREFIX + name, spool, size)
                manifest["members"][FILES_PREFIX + name] = {"size": size, "sha256": sha}
                summary.files += 1
                summary.bytes += size
            body = json.dumps(manifest, indent=2, sort_keys=True).encode()
            _add_member(archive, MANIFEST, io.BytesIO(body), len(body))
            summary.manifest_sha256 = hashlib.sha256(body).hexdigest()
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return summary


def _dump_database(*, using: str, rows: dict[str, int]):
    connection = connections[using]
    spool = tempfile.SpooledTemporaryFile(max_size=8 * CHUNK)  # noqa: SIM115 - returned open
    digest, size = hashlib.sha256(), 0
    # A snapshot of the whole database; inside an outer transaction (tests) that one already is.
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic(using=using):
        if snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        for model in backed_up_models():
            queryset = model._base_manager.using(using).order_by(model._meta.pk.name)
            count = 0
            for obj in serializers.serialize(
                "python", queryset.iterator(chunk_size=500), use_natural_foreign_keys=True
            ):
                line = json.dumps(obj, cls=_Encoder, ensure_ascii=False, sort_keys=True).encode() + b"\n"
                digest.update(line)
                spool.write(line)
                size += len(line)
                count += 1
            rows[model._meta.label_lower] = count
    spool.seek(0)
    return spool, size, digest.hexdigest()


# --- Restore ------------------------------------------------------------------------------------


def _safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == str(path)


def _read_verified(archive_path: Path) -> tuple[dict, dict[str, tarfile.TarInfo]]:
    """Open the archive, check that it is a backup and that every member matches the manifest."""
    try:
        archive = tarfile.open(archive_path, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{archive_path} is not a readable backup archive ({exc})") from None
    with archive:
        members = {}
        for info in archive.getmembers():
            if not info.isfile() or not _safe_member_name(info.name):
                raise BackupError(f"{archive_path}: unexpected member {info.name!r}; this is not a backup made here")
            if info.name in members:
                raise BackupError(f"{archive_path}: {info.name!r} appears twice")
            members[info.name] = info
        if MANIFEST not in members:
            raise BackupError(f"{archive_path} has no {MANIFEST}; it is not a Trust Center backup")
        try:
            manifest = json.loads(archive.extractfile(members[MANIFEST]).read())
        except ValueError:
            raise BackupError(f"{archive_path}: {MANIFEST} is not valid JSON") from None
        if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
            raise BackupError(
                f"{archive_path} is not a {FORMAT} version {FORMAT_VERSION} archive "
                f"(format {manifest.get('format')!r}, version {manifest.get('format_version')!r})"
            )
        listed = manifest.get("members", {})
        present = set(members) - {MANIFEST}
        if set(listed) != present:
            missing, extra = sorted(set(listed) - present), sorted(present - set(listed))
            raise BackupError(f"{archive_path} does not match its manifest: missing {missing}, unlisted {extra}")
        if DATABASE not in listed:
            raise BackupError(f"{archive_path} has no {DATABASE}")
        for name, expected in listed.items():
            digest, size = hashlib.sha256(), 0
            handle = archive.extractfile(members[name])
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
            if size != expected["size"] or digest.hexdigest() != expected["sha256"]:
                raise BackupError(
                    f"{archive_path}: {name} does not match the SHA-256 in the manifest; "
                    "the archive is damaged or was changed. Nothing was restored."
                )
    return manifest, members


def _refuse_unless_empty(using: str, models: list) -> None:
    occupied = [m._meta.label_lower for m in models if m._base_manager.using(using).exists()]
    if occupied:
        raise BackupError(
            "restore only goes into an empty deployment, but these tables have rows: "
            f"{', '.join(occupied)}. Create a new database, run `manage.py migrate`, and restore into that."
        )
    files = list(_storage_files())
    if files:
        raise BackupError(
            f"restore only goes into an empty deployment, but private storage already has {len(files)} "
            f"file(s), e.g. {files[0]!r}. Point PRIVATE_ROOT or S3_BUCKET at an empty location."
        )


def _objects(archive: tarfile.TarFile, info: tarfile.TarInfo) -> Iterator[dict]:
    for number, line in enumerate(archive.extractfile(info), start=1):
        try:
            yield json.loads(line)
        except ValueError:
            raise BackupError(f"{DATABASE} line {number} is not valid JSON") from None


def backup_restore(*, archive_path: Path, using: str = DEFAULT_DB_ALIAS) -> Summary:
    """Restore a backup into an empty, migrated deployment: all of it, or nothing.

    The archive is verified completely (every SHA-256) before anything is written. The
    migrations applied here must be the ones the backup was made with. Files are written
    first; if the database part then fails, they are removed again and the database
    transaction rolls back.
    """
    archive_path = Path(archive_path)
    if not archive_path.is_file():
        raise BackupError(f"{archive_path} does not exist")
    manifest, members = _read_verified(archive_path)
    here = _applied_migrations(using)
    if manifest["migrations"] != here:
        newer, older = _only_in(manifest["migrations"], here), _only_in(here, manifest["migrations"])
        raise BackupError(
            "the backup was made with other database migrations than this deployment has "
            f"(only in the backup: {newer or 'none'}; only here: {older or 'none'}). Restore with the "
            "release that made the backup, then upgrade and migrate."
        )
    models = backed_up_models()
    _refuse_unless_empty(using, models)
    # Natural keys are looked up in the content-type cache; it must describe this database.
    ContentType.objects.clear_cache()
    summary = Summary(manifest_sha256="")
    written: list[str] = []
    connection = connections[using]
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            for name, info in members.items():
                if not name.startswith(FILES_PREFIX):
                    continue
                target = name.removeprefix(FILES_PREFIX)
                saved = default_storage.save(target, File(archive.extractfile(info), name=target))
                written.append(saved)
                if saved != target:
                    raise BackupError(f"private storage stored {target!r} as {saved!r}; is it really empty?")
                summary.files += 1
                summary.bytes += info.size
            with transaction.atomic(using=using):
                if connection.vendor == "postgresql":
                    # Rows refer to each other both ways (policy <-> current version): check at the end.
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                with connection.constraint_checks_disabled():
                    deferred = []
                    objects = serializers.deserialize(
                        "python", _objects(archive, members[DATABASE]), using=using, handle_forward_references=True
                    )
                    for obj in objects:
                        obj.save(using=using)
                        if obj.deferred_fields:
                            deferred.append(obj)
                        label = obj.object._meta.label_lower
                        summary.rows[label] = summary.rows.get(label, 0) + 1
                    for obj in deferred:
                        obj.save_deferred_fields(using=using)
                connection.check_constraints(table_names=[m._meta.db_table for m in models])
                with connection.cursor() as cursor:
                    for statement in connection.ops.sequence_reset_sql(no_style(), models):
                        cursor.execute(statement)
                expected = {label: count for label, count in manifest["rows"].items() if count}
                if summary.rows != expected:
                    raise BackupError(f"restored rows {summary.rows} differ from the manifest's {expected}")
    except BackupError:
        _remove(written)
        raise
    except Exception as exc:
        _remove(written)
        raise BackupError(f"restore failed and was rolled back: {type(exc).__name__}: {exc}") from exc
    summary.rows = {label: summary.rows.get(label, 0) for label in manifest["rows"]}
    return summary


def _only_in(first: dict[str, list[str]], second: dict[str, list[str]]) -> list[str]:
    return sorted(f"{app}.{name}" for app, names in first.items() for name in names if name not in second.get(app, []))


def _remove(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # noqa: BLE001, S110 - best effort; the original error is what matters
            pass
