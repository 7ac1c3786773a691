"""Reading exported PDFs back, for the export tests."""

import io
import re

from pypdf import PdfReader


def read_pdf(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-"), data[:40]
    return PdfReader(io.BytesIO(data))


def page_texts(reader: PdfReader) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def outline_titles(reader: PdfReader, items=None, depth=0) -> list[tuple[int, str, int]]:
    """(depth, title, page index) of every bookmark, in order."""
    items = reader.outline if items is None else items
    found = []
    for item in items:
        if isinstance(item, list):
            found.extend(outline_titles(reader, item, depth + 1))
        else:
            found.append((depth, item.title, reader.get_destination_page_number(item)))
    return found


def toc_page_numbers(text: str, names: list[str]) -> dict[str, int]:
    """The page number printed after each table-of-contents entry."""
    numbers = {}
    for name in names:
        match = re.search(re.escape(name) + r"[\s.]*?(\d+)\b", text)
        assert match, f"{name!r} is not in the table of contents: {text[:500]}"
        numbers[name] = int(match[1])
    return numbers


def embedded_files(reader: PdfReader) -> list:
    names = reader.trailer["/Root"].get("/Names")
    files = []
    if names is not None and "/EmbeddedFiles" in names.get_object():
        files.append(names.get_object()["/EmbeddedFiles"])
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            if annot.get_object().get("/Subtype") == "/FileAttachment":
                files.append(annot)
    return files
