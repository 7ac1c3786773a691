"""Watermarks: read back from every page with pypdf; the original is untouched."""

import io

from pypdf import PdfReader
from weasyprint import HTML

from trustcenter.lib.watermark import watermark_pdf


def sample_pdf(pages: int, size: str = "A4") -> bytes:
    body = "".join(f"<section><h1>Section {i}</h1><p>Confidential text {i}.</p></section>" for i in range(pages))
    css = f"@page {{ size: {size}; }} section {{ break-after: page; }} section:last-child {{ break-after: auto; }}"
    return HTML(string=f"<style>{css}</style>{body}").write_pdf()


def test_every_page_carries_the_recipient_and_download_id():
    original = sample_pdf(12)
    stamped = watermark_pdf(
        original, lines=["Pat Prospect <pat@prospect.example>", "Prospect Co", "2026-11-22", "Download K7Q2-M9XA"]
    )
    reader = PdfReader(io.BytesIO(stamped))
    assert len(reader.pages) == 12
    for number, page in enumerate(reader.pages):
        text = page.extract_text()
        assert f"Confidential text {number}." in text
        assert "pat@prospect.example" in text and "Prospect Co" in text
        assert "Download K7Q2-M9XA" in text and "2026-11-22" in text


def test_the_original_bytes_are_not_changed():
    original = sample_pdf(2)
    copy = bytes(original)
    watermark_pdf(original, lines=["a@b.example"])
    assert original == copy
    assert "a@b.example" not in PdfReader(io.BytesIO(original)).pages[0].extract_text()


def test_pages_of_different_sizes_are_each_stamped():
    letter, a5 = PdfReader(io.BytesIO(sample_pdf(1, "letter"))), PdfReader(io.BytesIO(sample_pdf(1, "A5 landscape")))
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_page(letter.pages[0])
    writer.add_page(a5.pages[0])
    buffer = io.BytesIO()
    writer.write(buffer)
    stamped = PdfReader(io.BytesIO(watermark_pdf(buffer.getvalue(), lines=["ID-1234"])))
    assert all("ID-1234" in page.extract_text() for page in stamped.pages)
    assert float(stamped.pages[1].mediabox.width) > float(stamped.pages[1].mediabox.height)


def test_the_download_line_is_on_every_page_and_names_keep_their_letters():
    original = sample_pdf(3)
    lines = ["Zoë Łukasiewicz <zoe@prospect.example>", "Prospect Co", "2026-11-22"]
    first = PdfReader(io.BytesIO(watermark_pdf(original, lines=lines, mark="Download K7Q2-M9XA")))
    # The same reader again, as the next download: the stamp is reused, the id is new.
    second = PdfReader(io.BytesIO(watermark_pdf(original, lines=lines, mark="Download (Z9)-\\1")))
    for page in first.pages:
        text = page.extract_text()
        assert "Zoë Łukasiewicz" in text and "Download K7Q2-M9XA" in text and "2026-11-22" in text
    for page in second.pages:
        text = page.extract_text()
        assert "Download (Z9)-\\1" in text and "K7Q2-M9XA" not in text
