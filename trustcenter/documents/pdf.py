"""Checking an uploaded file is a real, readable PDF before it is stored.

Each refusal says what is wrong in words a person can act on. The checks read the
file with pypdf the same way a download will, so anything accepted here can be
watermarked and served later.
"""

import hashlib
import io
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from pypdf import PdfReader

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
# The PDF specification allows the header to start within the first 1024 bytes, and the
# end-of-file marker to be followed by a little trailing data (whitespace, a signature).
HEADER_WINDOW = 1024
EOF_WINDOW = 2048


@dataclass(frozen=True)
class PdfFacts:
    sha256: str
    size: int
    page_count: int


def max_upload_bytes() -> int:
    return settings.DOCUMENT_MAX_UPLOAD_BYTES


def inspect_pdf(data: bytes, *, name: str = "") -> PdfFacts:
    """Return the facts of a valid PDF, or raise ValidationError saying why it is refused."""
    label = name or _("The file")
    limit = max_upload_bytes()
    if len(data) > limit:
        raise ValidationError(
            _("%(name)s is %(size)s; documents can be at most %(limit)s. Compress the PDF or split it.")
            % {"name": label, "size": filesizeformat(len(data)), "limit": filesizeformat(limit)},
            code="too_big",
        )
    if not data:
        raise ValidationError(_("%(name)s is empty.") % {"name": label}, code="empty")
    head = data[:HEADER_WINDOW]
    if PDF_MAGIC not in head:
        raise ValidationError(
            _(
                "%(name)s is not a PDF (it does not start with a PDF header). Renaming a file to .pdf does not "
                "make it one: export or print it to PDF, then upload that."
            )
            % {"name": label},
            code="not_pdf",
        )
    if b"%%EOF" not in data[-EOF_WINDOW:]:
        raise ValidationError(
            _(
                "%(name)s is incomplete: the PDF has no end-of-file marker, so it was probably cut off while "
                "copying or uploading. Upload the complete file again."
            )
            % {"name": label},
            code="truncated",
        )
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ValidationError(
                _(
                    "%(name)s is encrypted or password-protected. Upload a copy without a password, so it can be "
                    "watermarked for each reader."
                )
                % {"name": label},
                code="encrypted",
            )
        page_count = len(reader.pages)
        for page in reader.pages:
            # Reading every page's content now means a broken page fails here, not at download time.
            page.get_contents()
            float(page.mediabox.width)
    except ValidationError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged input; all mean "unreadable"
        logger.info("refused PDF upload %s: %s", name, exc)
        raise ValidationError(
            _(
                "%(name)s could not be read as a PDF (%(problem)s). It may be damaged or incomplete; open it in a "
                "PDF viewer, save or export it again, and upload the new file."
            )
            % {"name": label, "problem": str(exc)[:200] or exc.__class__.__name__},
            code="unreadable",
        ) from None
    if page_count < 1:
        raise ValidationError(_("%(name)s has no pages.") % {"name": label}, code="no_pages")
    return PdfFacts(sha256=hashlib.sha256(data).hexdigest(), size=len(data), page_count=page_count)
