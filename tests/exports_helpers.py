"""For the export tests: their clock, storage and cache (fixtures), and reading exported PDFs back."""

import datetime
import io
import re

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from pypdf import PdfReader

NOW = datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.UTC)
DAY = "2026-11-29"


def private_storages(location) -> dict:
    """settings.STORAGES with private files (and so rendered PDFs) in the folder `location`."""
    return {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": location},
    }}  # fmt: skip


@pytest.fixture
def export_storage(tmp_path):
    """The folder that holds the private files of an export test (a module may share one)."""
    return tmp_path / "private"


@pytest.fixture
def export_env(settings, export_storage):
    """Private storage in `export_storage`, an empty cache, the clock fixed at NOW."""
    settings.STORAGES = private_storages(export_storage)
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


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
        match = re.search(re.escape(name) + r"(?: v\d+)?[\s.]*?(\d+)\b", text)
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
