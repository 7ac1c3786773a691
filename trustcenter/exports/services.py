"""Exporting policy versions and the whole trust center as dated PDFs.

A rendered PDF is stored in the default (private) storage under a name derived from
everything it shows: the content hash of each policy version, the company profile, the
export date and the template version. Publishing a new version changes the key, so the
current-version URL can never serve an older text. Concurrent requests for a PDF that
is not stored yet render it once: the first takes a lock with `cache.add` (atomic in
Redis and in the local-memory cache), the others wait for the file.
"""

import datetime
import hashlib
import json
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from trustcenter.audit.services import audit_record
from trustcenter.core.company import load_company
from trustcenter.exports import render
from trustcenter.lib.watermark import watermark_pdf
from trustcenter.policies.models import PolicyVersion

logger = logging.getLogger(__name__)

STORAGE_PREFIX = "exports"
# A render of the whole trust center takes a few seconds; a lock older than this is
# taken to belong to a process that died, and another process renders instead.
RENDER_LOCK_SECONDS = 120
WAIT_STEP_SECONDS = 0.05


@dataclass(frozen=True)
class ExportedPdf:
    data: bytes
    filename: str
    key: str  # the cache key digest; also the ETag of the unwatermarked file
    rendered: bool  # False when it came from storage


def export_date() -> datetime.date:
    """Today in the site's time zone (settings.TIME_ZONE): the date stamped on exports."""
    return timezone.localdate()


def _digest(parts: dict) -> str:
    # The interface language shapes the labels (cover, header, footer), so it is part of every key.
    parts = {**parts, "language": translation.get_language() or settings.LANGUAGE_CODE}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _storage_name(key: str) -> str:
    return f"{STORAGE_PREFIX}/{key[:2]}/{key}.pdf"


def _read(name: str) -> bytes | None:
    try:
        if not default_storage.exists(name):
            return None
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    # A file cut short (a crash while writing) is not a PDF: render it again.
    if not data.startswith(b"%PDF-") or not data.rstrip().endswith(b"%%EOF"):
        logger.warning("Ignoring incomplete cached PDF %s", name)
        return None
    return data


def _write(name: str, data: bytes) -> None:
    if default_storage.exists(name):
        default_storage.delete(name)
    saved = default_storage.save(name, ContentFile(data))
    if saved != name:  # pragma: no cover - only if another writer raced past the lock
        default_storage.delete(saved)


def cached_render(key: str, render_pdf) -> tuple[bytes, bool]:
    """Return the stored PDF for `key`, rendering it with `render_pdf()` at most once.

    Returns (data, rendered_here).
    """
    name = _storage_name(key)
    lock = f"exports:render-lock:{key}"
    # The writer holds the lock until the file is complete, so a file is only read
    # while nobody is writing it.
    if cache.get(lock) is None:
        data = _read(name)
        if data is not None:
            return data, False
    while True:
        if cache.add(lock, "1", timeout=RENDER_LOCK_SECONDS):
            try:
                data = _read(name)
                if data is not None:
                    return data, False
                data = render_pdf()
                _write(name, data)
                return data, True
            finally:
                cache.delete(lock)
        time.sleep(WAIT_STEP_SECONDS)
        if cache.get(lock) is None:
            data = _read(name)
            if data is not None:
                return data, False


def policy_key(version: PolicyVersion, day: datetime.date) -> str:
    section = render.section_for(version)
    return _digest(
        {
            "kind": "policy",
            "policy": version.policy.slug,
            "number": version.number,
            "content": version.content_hash,
            "current": section.is_current,
            "reviewed": section.reviewed,
            "date": day,
            "template": render.template_version(),
            "company": render.company_digest(),
        }
    )


def policy_export(*, version: PolicyVersion, day: datetime.date | None = None) -> ExportedPdf:
    """The PDF of one policy version, exported on `day` (default: today), unwatermarked.

    `version.policy` must be loaded. Callers decide who may read it; NDA versions go
    through `policy_export_for(user=...)`, which adds the watermark.
    """
    day = day or export_date()
    key = policy_key(version, day)
    data, rendered = cached_render(key, lambda: render.render_pdf(render.policy_html(version, day=day), identifier=key))
    return ExportedPdf(data, render.policy_filename(load_company(), version, day), key, rendered)


def watermark_lines(*, user, day: datetime.date, download_id: str) -> list[str]:
    company = load_company()
    recipient = f"{user.full_name} <{user.email}>" if user.full_name else user.email
    if getattr(user, "company", ""):
        recipient = f"{recipient}, {user.company}"
    return [
        _("Confidential: shared with %(recipient)s") % {"recipient": recipient},
        _("Exported %(date)s") % {"date": day.isoformat()},
        _("Download id %(id)s") % {"id": download_id},
        _("Under NDA with %(company)s; do not forward") % {"company": company.name},
    ]


def policy_export_for(*, version: PolicyVersion, user, request=None, day: datetime.date | None = None) -> ExportedPdf:
    """The PDF a reader gets. NDA versions are recorded in the audit log and carry the
    reader's name, the date and the audit row's download id on every page.

    The caller has already asked `access.rules.can_read_version(user, version)`.
    """
    day = day or export_date()
    exported = policy_export(version=version, day=day)
    if version.is_public:
        return exported
    event = audit_record(
        kind="policy.pdf_downloaded",
        actor=user,
        request=request,
        subject=f"policy:{version.policy.slug}:v{version.number}",
        data={"filename": exported.filename, "export_date": day.isoformat(), "export_key": exported.key},
    )
    data = watermark_pdf(exported.data, lines=watermark_lines(user=user, day=day, download_id=str(event.seq)))
    return ExportedPdf(data, exported.filename, exported.key, exported.rendered)


def bundle_key(versions: list[PolicyVersion], day: datetime.date) -> str:
    return _digest(
        {
            "kind": "bundle",
            "policies": [[v.policy.slug, v.number, v.content_hash, render.section_for(v).reviewed] for v in versions],
            "categories": sorted(
                {
                    (
                        v.policy.category.slug,
                        v.policy.category.name,
                        v.policy.category.description,
                        v.policy.category.order,
                    )
                    for v in versions
                }
            ),
            "date": day,
            "template": render.template_version(),
            "company": render.company_digest(),
        }
    )


def bundle_export(*, day: datetime.date | None = None) -> ExportedPdf:
    """Every public policy's current version in one PDF, in category order, exported on `day`."""
    day = day or export_date()
    versions = render.bundle_versions()
    key = bundle_key(versions, day)
    data, rendered = cached_render(
        key, lambda: render.render_pdf(render.bundle_html(versions, day=day), identifier=key)
    )
    return ExportedPdf(data, render.bundle_filename(load_company(), day), key, rendered)


def exports_prerender(*, version_id: int) -> list[str]:
    """Render a newly published version's PDF, and the bundle when the version is public, in
    every interface language, so that no visitor waits for a cold render. Already stored
    PDFs are not rendered again, so running this twice costs a storage lookup. Returns the
    file names rendered here."""
    version = (
        PolicyVersion.objects.current().select_related("policy", "category").filter(pk=version_id).first()
    )  # a version replaced since it was published needs no PDF of its own
    rendered = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            exported = []
            if version is not None:
                exported.append(policy_export(version=version))
            if version is None or version.is_public:
                exported.append(bundle_export())
            rendered += [f"{language}:{pdf.filename}" for pdf in exported if pdf.rendered]
    return rendered
