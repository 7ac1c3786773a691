"""The PDF renderer loads this site's static files and pinned fonts, and nothing else."""

import http.server
import logging
import threading

import pytest

from tests.exports_helpers import embedded_files, page_texts, read_pdf
from trustcenter.exports.fetcher import ExportURLFetcher, FetchRefused
from trustcenter.exports.render import render_pdf


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).hits.append(self.path)
        body = b"body { color: red }" if self.path.endswith(".css") else b"GIF89a"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    """A real HTTP server on loopback that records every request it gets."""
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.hits
    server.shutdown()
    server.server_close()


def test_the_recorder_really_answers(http_server):
    """The trap is real: a plain HTTP client reaches it (so the tests below mean something)."""
    import urllib.request

    url, hits = http_server
    with urllib.request.urlopen(f"{url}/probe.png") as response:  # noqa: S310 - loopback test server
        assert response.status == 200
    assert hits == ["/probe.png"]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file:///proc/self/environ",
        "data:image/svg+xml;base64,PHN2Zy8+",
        "ftp://127.0.0.1/x.png",
        "http://127.0.0.1:8000/admin/",
        "http://127.0.0.1:8000/static/../../etc/passwd",
        "http://127.0.0.1:8000/static/%2e%2e/%2e%2e/etc/passwd",
        "http://127.0.0.1:8000/static/css/../../trustcenter/settings.py",
        "http://127.0.0.1:8000/static/img/missing.png",
        "http://127.0.0.1:8000/static/img/logo.svg.py",
        "http://127.0.0.1:8000/__pdf__/fonts/../../../etc/passwd",
        "http://127.0.0.1:8000/__pdf__/fonts/DejaVuSans.ttf",
        "http://user:pw@127.0.0.1:8000/static/css/pdf.css",
        "http://127.0.0.1:8001/static/css/pdf.css",
        "https://127.0.0.1:8000/static/css/pdf.css",
        "http://localhost:8000/static/css/pdf.css",
    ],
)
def test_the_fetcher_refuses_everything_but_static_files_and_fonts(url, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    fetcher = ExportURLFetcher()
    with pytest.raises(FetchRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_serves_static_files_and_fonts(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    fetcher = ExportURLFetcher()
    css = fetcher.fetch("http://127.0.0.1:8000/static/css/pdf.css?v=1#x")
    assert css.content_type == "text/css" and b"@page" in css.read()
    logo = fetcher.fetch("http://127.0.0.1:8000/static/img/logo.svg")
    assert logo.content_type == "image/svg+xml"
    font = fetcher.fetch("http://127.0.0.1:8000/__pdf__/fonts/SourceSansPro-Regular.ttf")
    assert font.read(4) == b"\x00\x01\x00\x00"


def _hostile_html(server_url: str) -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hostile</title>
<link rel="stylesheet" href="{server_url}/evil.css">
<link rel="attachment" href="file:///etc/passwd" title="passwd">
<link rel="attachment" href="/static/css/pdf.css" title="static">
<style>@import url("{server_url}/imported.css"); body {{ background: url("{server_url}/bg.png"); }}</style>
</head><body>
<p>Visible text stays.</p>
<img src="{server_url}/tracker.png" alt="">
<img src="file:///etc/passwd" alt="">
<img src="/static/../../../../etc/passwd" alt="">
<object data="{server_url}/object.pdf"></object>
<iframe src="{server_url}/frame.html"></iframe>
<a rel="attachment" href="file:///etc/passwd">passwd</a>
<a rel="attachment" href="/static/img/logo.svg">logo</a>
<a rel="attachment" href="{server_url}/doc.pdf">download</a>
</body></html>"""


def test_a_hostile_document_fetches_nothing_and_embeds_nothing(http_server, settings, caplog):
    """Defence in depth: even HTML that bypassed the sanitizer cannot reach out."""
    server_url, hits = http_server
    settings.SITE_URL = "http://127.0.0.1:8000"
    with caplog.at_level(logging.WARNING, logger="trustcenter.exports.fetcher"):
        data = render_pdf(_hostile_html(server_url), identifier="hostile")
    assert hits == []
    refused = " ".join(record.getMessage() for record in caplog.records)
    assert "file:///etc/passwd" in refused
    assert f"{server_url}/tracker.png" in refused
    reader = read_pdf(data)
    assert embedded_files(reader) == []
    text = " ".join(page_texts(reader))
    assert "Visible text stays." in text
    assert "root:" not in text
    assert b"root:x:0:0" not in data


def test_markdown_images_to_other_hosts_are_not_fetched(published, client, http_server, settings, tmp_path):
    """Through the real pipeline: publish a page with hostile images, download its PDF."""
    from django.core.cache import cache

    from trustcenter.policies.services import content_publish

    server_url, hits = http_server
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tmp_path / "private"},
    }}  # fmt: skip
    cache.clear()
    page = published / "policies" / "hostile.md"
    page.write_text(
        "---\ntitle: Hostile Images\ncategory: governance\nsummary: Images that must not load.\nversion: 1\n"
        "effective: 2026-01-01\nreviewed: 2026-01-02\nowner: Tester\nvisibility: public\n---\n"
        "## Images\n\n"
        f"![tracker]({server_url}/md.png)\n\n"
        f'<img src="{server_url}/raw.png">\n\n'
        '<img src="file:///etc/passwd">\n\n'
        "![local](/static/../../../etc/passwd)\n\n"
        f'<a rel="attachment" href="{server_url}/a.pdf">attachment</a>\n\n'
        '<a rel="attachment" href="/static/css/pdf.css">static attachment</a>\n\n'
        "Text after the images.\n"
    )
    content_publish(root=published)
    response = client.get("/policies/hostile/pdf/")
    assert response.status_code == 200
    assert hits == []
    reader = read_pdf(response.content)
    assert embedded_files(reader) == []
    assert "Text after the images." in " ".join(page_texts(reader))
    cache.clear()


def test_every_embedded_font_is_vendored_with_its_open_font_licence():
    from trustcenter.exports.fetcher import FONT_FACES, font_file

    for face in FONT_FACES:
        path = font_file(face)
        assert path.read_bytes()[:4] in (b"\x00\x01\x00\x00", b"OTTO"), path  # a real TrueType/OpenType file
        licence = (path.parent / "LICENSE.txt").read_text(encoding="utf-8")
        assert "SIL Open Font License, Version 1.1" in licence, path.parent
