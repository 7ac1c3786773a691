"""Adding documents: the one path by which a PDF enters private storage."""

from django.core.files.base import ContentFile
from django.db import transaction

from trustcenter.documents.models import Document
from trustcenter.documents.pdf import PdfFacts, inspect_pdf


def document_add(*, data: bytes, actor=None, filename: str = "document.pdf", **fields) -> Document:
    """Check `data` is a real PDF, store it privately and create its Document row.

    Raises ValidationError (with a message for a person) when the file or a field is
    refused; then nothing is stored.
    """
    facts = inspect_pdf(data, name=filename)
    document = Document(**fields, sha256=facts.sha256, size=facts.size, page_count=facts.page_count, uploaded_by=actor)
    document.file.name = "pending.pdf"  # placeholder so full_clean accepts the file field
    document.full_clean()
    return _save_with_file(document, ContentFile(data, name=filename))


def document_save_upload(*, document: Document, upload, facts: PdfFacts, actor=None) -> Document:
    """Save a new Document whose fields were validated by the admin form."""
    document.sha256, document.size, document.page_count = facts.sha256, facts.size, facts.page_count
    document.uploaded_by = actor
    upload.seek(0)
    return _save_with_file(document, upload)


def _save_with_file(document: Document, content) -> Document:
    name = document.file.field.generate_filename(document, getattr(content, "name", "document.pdf"))
    stored = document.file.storage.save(name, content)
    document.file = stored  # a plain name: the field treats it as already stored
    try:
        with transaction.atomic():
            document.save()
    except BaseException:
        # The row was not written, so the file must not linger in private storage.
        document.file.storage.delete(stored)
        raise
    return document
