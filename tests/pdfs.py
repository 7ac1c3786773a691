"""Real PDFs for tests, made with WeasyPrint and pypdf (never mocked)."""

import functools
import io

from pypdf import PdfReader, PdfWriter


@functools.lru_cache(maxsize=8)
def make_pdf(pages: int = 3, label: str = "Confidential text") -> bytes:
    from weasyprint import HTML

    body = "".join(f"<section><h1>Section {i}</h1><p>{label} {i}.</p></section>" for i in range(pages))
    css = "section { break-after: page; } section:last-child { break-after: auto; }"
    return HTML(string=f"<style>{css}</style>{body}").write_pdf()


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(1))))
    writer.encrypt(user_password="open-sesame", owner_password="owner-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
