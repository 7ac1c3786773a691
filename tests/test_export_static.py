"""`manage.py export_static OUT/`: the public trust center as plain files whose links all work."""

import html
import re
import threading
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import defusedxml.ElementTree as ET
import pytest
from django.core.management import CommandError, call_command

from trustcenter.policies.models import Policy
from trustcenter.publicsite.export import MARKER, ExportError, site_export

BASE = "https://trust.kestrel.example"
APP = "https://app.kestrel.example"
_LINK_RE = re.compile(r"""\b(href|src|action)=(["'])(.*?)\2""")
_ID_RE = re.compile(r"""\bid=(["'])(.*?)\1""")


def _export(out: Path):
    return site_export(out=out, base_url=BASE, app_url=APP)


@pytest.fixture
def exported(published, tmp_path):
    out = tmp_path / "site"
    report = _export(out)
    return out, report


def _links(page: Path):
    for attr, _, value in _LINK_RE.findall(page.read_text(encoding="utf-8")):
        yield attr, html.unescape(value)


def test_every_link_in_every_page_resolves_to_an_exported_file_or_the_app(exported):
    out, report = exported
    pages = sorted(out.rglob("*.html"))
    assert len(pages) == len(report.pages) + 1  # plus 404.html
    checked = 0
    for page in pages:
        for attr, url in _links(page):
            parts = urlsplit(url)
            if parts.scheme in ("mailto",) or (parts.netloc and not url.startswith((BASE, APP))):
                continue  # the company's own website, the disclosure policy
            assert not url.startswith(BASE), f"{page}: {url} should be relative"
            if url.startswith(APP):
                # Only what needs the server goes there (forms, search, sign-in, gated parts):
                # never a page the export holds.
                held = out / parts.path.lstrip("/")
                assert attr == "action" or not (held.is_file() or (held / "index.html").is_file()), url
                continue
            if not parts.path:
                continue  # a link within the page; checked below
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file(), f"{page.relative_to(out)}: {url} -> missing {target}"
            assert out.resolve() in target.parents
            if parts.fragment and target.suffix == ".html":
                ids = {i for _, i in _ID_RE.findall(target.read_text(encoding="utf-8"))}
                assert parts.fragment in ids, f"{page.relative_to(out)}: {url} -> no #{parts.fragment}"
            checked += 1
        for _attr, url in _links(page):
            if url.startswith("#") and len(url) > 1:
                ids = {i for _, i in _ID_RE.findall(page.read_text(encoding="utf-8"))}
                assert url[1:] in ids, f"{page.relative_to(out)}: {url}"
    assert checked > 500


def test_it_exports_every_public_page_version_and_comparison(exported):
    out, report = exported
    for policy in Policy.objects.published():
        assert (out / "policies" / policy.slug / "index.html").is_file()
        for version in policy.versions.all():
            assert (out / "policies" / policy.slug / "v" / str(version.number) / "index.html").is_file()
    assert (out / "policies/data-protection/changes/from-1-to-3.html").is_file()
    assert "Version</dt><dd>3 (current)" in (out / "policies/data-protection/index.html").read_text()
    for name in ["index.html", "changes/index.html", "404.html", "brand.css", "robots.txt", "sitemap.xml"]:
        assert (out / name).is_file(), name
    assert (out / MARKER).is_file()


def test_nda_text_stays_out_of_the_export(exported):
    out, _ = exported
    body = Policy.objects.get(slug="network-architecture").current_version.body_text
    secret = max(body.split("\n"), key=len)[:60]
    assert len(secret) > 30
    assert not any(secret in p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())
    locked = (out / "policies/network-architecture/index.html").read_text()
    assert "NDA" in locked


def test_machine_files_use_the_public_address(exported):
    out, _ = exported
    robots = (out / "robots.txt").read_text()
    assert f"Sitemap: {BASE}/sitemap.xml" in robots
    assert f"Canonical: {BASE}/.well-known/security.txt" in (out / ".well-known/security.txt").read_text()
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [el.text for el in ET.parse(out / "sitemap.xml").getroot().findall("s:url/s:loc", ns)]
    assert f"{BASE}/policies/data-protection/" in locs
    for loc in locs:
        # Clean directory URLs: a web server's index file serves each of them.
        assert (out / urlsplit(loc).path.lstrip("/") / "index.html").is_file(), loc
    feed = ET.parse(out / "changes/feed/index.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    assert feed.find(f"{atom}link[@rel='self']").get("href") == f"{BASE}/changes/feed/index.xml"
    assert len(feed.findall(f"{atom}entry")) == 18


def test_static_files_have_hashed_names_and_compressed_copies(exported):
    out, _ = exported
    css = [p for p in (out / "static").rglob("*.css")]
    assert css and all(re.search(r"\.[0-9a-f]{12}\.css$", p.name) for p in css)
    for p in css:
        assert p.with_name(p.name + ".gz").is_file()
    assert 'href="static/css/site.' in (out / "index.html").read_text()
    # Only what the pages use: no admin styles.
    assert not list((out / "static").rglob("admin*"))


def test_a_real_web_server_serves_the_export(exported):
    out, _ = exported
    handler = partial(SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        root = f"http://127.0.0.1:{server.server_address[1]}"
        for path in ["/", "/policies/data-protection/", "/policies/data-protection/v/1/", "/changes/"]:
            with urllib.request.urlopen(root + path, timeout=10) as response:  # noqa: S310 - loopback
                assert response.status == 200
                assert "Kestrel Analytics" in response.read().decode()
        page = (out / "policies/data-protection/index.html").read_text()
        stylesheet = re.search(r'href="(\.\./\.\./static/css/site\.[0-9a-f]+\.css)"', page).group(1)
        with urllib.request.urlopen(f"{root}/policies/data-protection/{stylesheet}", timeout=10) as response:  # noqa: S310
            assert response.headers["Content-Type"] == "text/css"
    finally:
        server.shutdown()
        server.server_close()


def test_it_refuses_a_folder_that_holds_something_else(published, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    with pytest.raises(CommandError, match="not empty and holds no earlier export"):
        call_command("export_static", str(out))
    assert (out / "thesis.docx").read_text() == "years of work"


def test_a_new_export_replaces_the_earlier_one_and_a_failed_one_leaves_it(published, tmp_path):
    out = tmp_path / "site"
    _export(out)
    (out / "stale.html").write_text("from an old export")
    _export(out)
    assert not (out / "stale.html").exists()
    with pytest.raises(ExportError, match="base-url"):
        site_export(out=out, base_url="trust.kestrel.example/sub")
    assert (out / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content", "site"]  # no build folder left behind


def test_without_published_content_it_says_what_to_do(db, tmp_path):
    with pytest.raises(CommandError, match="run `manage.py publish` first"):
        call_command("export_static", str(tmp_path / "site"), "--base-url", BASE)
    assert not (tmp_path / "site").exists()


def test_the_command_reports_what_it_wrote(published, tmp_path, capsys):
    call_command("export_static", str(tmp_path / "site"), "--base-url", BASE, "--app-url", APP)
    out = capsys.readouterr().out
    assert re.search(r"Exported \d+ pages, \d+ files", out)
    assert "/search/" in out
