"""The public trust center as plain files: `manage.py export_static OUT/`.

Everything an anonymous visitor can reach from the overview is fetched through the real
app (the full middleware stack, as a visitor without cookies would), written as files,
and its links rewritten so they work from any web server, a CDN or straight from disk:

- pages become `<path>/index.html`; a page with a query string (the changes between two
  versions) becomes `<path>/<from-1-to-3>.html`; feeds, sitemap, robots.txt, security.txt
  and PDFs keep their own names (a PDF takes the file name its download would have);
- links between exported files become relative (`../data-protection/index.html#scope`);
- links to what cannot be a file (search, sign-in, gated downloads, anything that sets a
  cookie) point to the live app (`--app-url`), which stays where the gated parts live;
- the static files the pages use (and what their stylesheets pull in) are written with
  content-hashed names and compressed copies, as collectstatic does for the app;
- absolute addresses inside the feed, sitemap, robots.txt and security.txt use the public
  address (`--base-url`), with the clean directory URLs a web server's index serves.

The export is built in a temporary folder next to OUT and swapped in at the end, so a
failed run leaves the previous export untouched.
"""

import hashlib
import html
import json
import os
import re
import shutil
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.test.utils import override_settings
from django.urls import Resolver404, resolve
from whitenoise.storage import CompressedManifestStaticFilesStorage

from trustcenter.policies.models import Policy

MARKER = ".trustcenter-export.json"
MAX_PAGES = 20000
# Interactive or private parts of the app: never crawled, always linked to the live app.
APP_ONLY_PREFIXES = ("/admin/", "/accounts/", "/search/")
SEEDS = ("/", "/sitemap.xml", "/robots.txt", "/.well-known/security.txt", "/changes/feed/", "/changes/")
_ATTR_RE = re.compile(r"""(?P<attr>\b(?:href|src|action|poster))=(?P<q>["'])(?P<url>.*?)(?P=q)""", re.IGNORECASE)
_CSS_URL_RE = re.compile(r"""url\(\s*(['"]?)(?P<url>[^'")]+)\1\s*\)|@import\s+(['"])(?P<imp>[^'"]+)\3""")
_XML_TYPES = {"application/atom+xml", "application/rss+xml", "application/xml", "text/xml"}
_EXTENSIONS = {
    "text/html": ".html",
    "application/atom+xml": ".xml",
    "application/rss+xml": ".xml",
    "application/xml": ".xml",
    "text/xml": ".xml",
    "text/plain": ".txt",
    "text/css": ".css",
    "application/pdf": ".pdf",
    "application/json": ".json",
}


class ExportError(Exception):
    """The export cannot run; the message says what to change."""


@dataclass
class ExportReport:
    out: Path
    pages: list[str] = field(default_factory=list)
    files: int = 0
    static_files: int = 0
    bytes: int = 0
    app_links: set[str] = field(default_factory=set)
    seconds: float = 0.0


@dataclass
class _Fetched:
    url: str  # path plus query, as requested
    file: str  # where it goes, relative to OUT, POSIX
    content_type: str
    body: bytes


def _content_type(response) -> str:
    return response.get("Content-Type", "application/octet-stream").split(";")[0].strip().lower()


def _safe_segment(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "index"


def _target_file(url: str, content_type: str, disposition: str) -> str:
    """Where the response for `url` is written, relative to OUT."""
    parts = urlsplit(url)
    path = PurePosixPath(parts.path.lstrip("/"))
    ext = _EXTENSIONS.get(content_type, "")
    filename = ""
    match = re.search(r'filename="?([^";]+)"?', disposition or "")
    if match:
        filename = _safe_segment(PurePosixPath(match.group(1)).name)
    if parts.query:
        query = "-".join(f"{k}-{v}" for k, v in sorted(parse_qsl(parts.query, keep_blank_values=True)))
        stem = _safe_segment(query)
        folder = path if parts.path.endswith("/") else path.parent
        return str(folder / (filename or f"{stem}{ext or '.html'}"))
    if parts.path.endswith("/") or not parts.path:
        return str(path / (filename or f"index{ext or '.html'}"))
    if filename and not path.suffix:
        return str(path / filename)
    return str(path)


def _is_public_page(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return getattr(match.func, "public_page", None) is not None


class _Crawler:
    def __init__(self, *, host: str, secure: bool, language: str, static_url: str):
        self.client = Client(HTTP_HOST=host, HTTP_ACCEPT_LANGUAGE=language)
        self.secure = secure
        self.host = host
        self.static_url = static_url
        self.fetched: dict[str, _Fetched] = {}
        self.refused: set[str] = set()

    def _internal(self, raw: str, base: str) -> str | None:
        """The path+query a link in the page at `base` points to on this site, or None for
        other sites, mailto: and links within the page."""
        url = html.unescape(raw.strip())
        if not url or url.startswith("#"):
            return None
        parts = urlsplit(urljoin(f"https://{self.host}{base}", url))
        if parts.scheme not in ("http", "https") or parts.netloc != self.host:
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def links(self, fetched: _Fetched) -> list[str]:
        text = fetched.body.decode("utf-8", "replace")
        if fetched.content_type == "text/html":
            raw = [m.group("url") for m in _ATTR_RE.finditer(text)]
        elif fetched.content_type in _XML_TYPES:
            raw = re.findall(r"<loc>([^<]+)</loc>", text) + re.findall(r'<link[^>]+href="([^"]+)"', text)
        else:
            return []
        found = []
        for value in raw:
            internal = self._internal(value, fetched.url)
            if internal and not internal.startswith(self.static_url):
                found.append(internal)
        return found

    def fetch(self, url: str) -> _Fetched | None:
        path = urlsplit(url).path
        if path.startswith(APP_ONLY_PREFIXES) or path.startswith(self.static_url):
            return None
        self.client.cookies.clear()
        response = self.client.get(url, secure=self.secure)
        status = response.status_code
        # A 403 of a public page is an NDA lock page: it tells the reader how to get access.
        exportable = status == 200 or (status == 403 and _is_public_page(path))
        if not exportable or response.cookies or getattr(response, "streaming", False):
            return None
        content_type = _content_type(response)
        target = _target_file(url, content_type, response.get("Content-Disposition", ""))
        return _Fetched(url=url, file=target, content_type=content_type, body=response.content)

    def crawl(self, seeds) -> None:
        queue = deque(seeds)
        seen = set(seeds)
        while queue:
            if len(self.fetched) >= MAX_PAGES:
                raise ExportError(f"more than {MAX_PAGES} pages reachable; is a page generating endless links?")
            url = queue.popleft()
            fetched = self.fetch(url)
            if fetched is None:
                self.refused.add(url)
                continue
            self.fetched[url] = fetched
            for link in self.links(fetched):
                if link not in seen:
                    seen.add(link)
                    queue.append(link)


class _Rewriter:
    def __init__(self, crawler: _Crawler, *, static_url: str, app_url: str):
        self.crawler = crawler
        self.by_url = {url: f.file for url, f in crawler.fetched.items()}
        self.static_url = static_url
        self.app_url = app_url.rstrip("/")
        self.static_names: dict[str, str] = {}  # source name -> exported (hashed) name
        self.app_links: set[str] = set()

    def _relative(self, target: str, from_file: str) -> str:
        return os.path.relpath(target, start=str(PurePosixPath(from_file).parent) or ".").replace(os.sep, "/")

    def static_in(self, fetched: _Fetched) -> set[str]:
        """Names of the static files a page refers to."""
        names = set()
        for match in _ATTR_RE.finditer(fetched.body.decode("utf-8", "replace")):
            internal = self.crawler._internal(match.group("url"), fetched.url)
            if internal and internal.startswith(self.static_url):
                names.add(urlsplit(internal).path[len(self.static_url) :])
        return names

    def link(self, attr: str, raw: str, fetched: _Fetched) -> str:
        internal = self.crawler._internal(raw, fetched.url)
        if attr.lower() == "action":
            # A form needs the server, whatever it points to (an empty action is this page).
            # A GET form replaces the query string with its fields, so the path is enough.
            path = urlsplit(internal or fetched.url).path
            self.app_links.add(path)
            return html.escape(self.app_url + path)
        if internal is None:
            return raw
        fragment = urlsplit(html.unescape(raw)).fragment
        suffix = f"#{fragment}" if fragment else ""
        if internal in self.by_url:
            return html.escape(self._relative(self.by_url[internal], fetched.file) + suffix)
        path = urlsplit(internal).path
        if path.startswith(self.static_url) and path[len(self.static_url) :] in self.static_names:
            target = f"static/{self.static_names[path[len(self.static_url) :]]}"
            return html.escape(self._relative(target, fetched.file) + suffix)
        self.app_links.add(path)
        return html.escape(self.app_url + internal + suffix)

    def html(self, fetched: _Fetched) -> bytes:
        text = fetched.body.decode("utf-8")

        def replace(match):
            value = self.link(match.group("attr"), match.group("url"), fetched)
            return f"{match.group('attr')}={match.group('q')}{value}{match.group('q')}"

        return _ATTR_RE.sub(replace, text).encode("utf-8")

    def xml(self, fetched: _Fetched, base_url: str) -> bytes:
        """Absolute addresses in feeds and sitemaps: clean directory URLs stay (a web server's
        index serves them); anything else (the feed's own address) names its file."""
        text = fetched.body.decode("utf-8")

        def replace(match):
            internal = self.crawler._internal(html.unescape(match.group(0)), "/")
            target = self.by_url.get(internal or "")
            if not target or target.endswith("index.html"):
                return match.group(0)
            return f"{base_url}/{target}"

        return re.sub(re.escape(base_url) + r"/[^\s\"'<>]*", replace, text).encode("utf-8")


def _static_closure(names: set[str]) -> dict[str, str]:
    """The static files `names` need (stylesheets pull in fonts, images, imports): name -> source path."""
    found: dict[str, str] = {}
    queue = deque(sorted(names))
    while queue:
        name = queue.popleft()
        if name in found:
            continue
        source = finders.find(name)
        if not source:
            raise ExportError(f"static file {name!r} is used by a page but no static folder has it")
        found[name] = source
        if name.endswith(".css"):
            css = Path(source).read_text(encoding="utf-8", errors="replace")
            for match in _CSS_URL_RE.finditer(css):
                ref = urlsplit((match.group("url") or match.group("imp") or "").strip()).path
                if not ref or ref.startswith(("data:", "/")) or "//" in ref:
                    continue
                queue.append(os.path.normpath(str(PurePosixPath(name).parent / ref)).replace(os.sep, "/"))
    return found


def _hashed_static(names: set[str], build: Path) -> tuple[dict[str, str], int]:
    """Write `names` (and what they need) under build/static with content-hashed names and
    compressed copies, as collectstatic does for the app; return name -> hashed name."""
    sources = _static_closure(names)
    static_dir = build / "static"
    storage = CompressedManifestStaticFilesStorage(location=str(static_dir), base_url="/static/")
    for name, source in sources.items():
        with open(source, "rb") as fh:
            storage.save(name, fh)
    for _name, _hashed, processed in storage.post_process({n: (storage, n) for n in sources}, dry_run=False):
        if isinstance(processed, Exception):
            raise ExportError(f"static files: {processed}")
    mapping = {name: storage.stored_name(name) for name in sources}
    # Keep only the hashed files (and their compressed copies): pages never use the plain names.
    keep = set(mapping.values())
    count = 0
    for path in sorted(static_dir.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(static_dir).as_posix()
        base = rel.removesuffix(".gz").removesuffix(".br")
        if base in keep:
            count += 1
        else:
            path.unlink()
    return mapping, count


def _prepare_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} is a file; give a folder to write the export to")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise ExportError(
            f"{out} is not empty and holds no earlier export ({MARKER}); "
            "choose an empty or new folder, so nothing of yours is overwritten"
        )


def _swap_in(build: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
    os.replace(build, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def site_export(
    *, out: Path, base_url: str | None = None, app_url: str | None = None, language: str = ""
) -> ExportReport:
    """Write the public trust center under `out` as static files with working relative links.

    `base_url`: where the export will be served (default SITE_URL), used for absolute URLs
    in the feed, sitemap, robots.txt and security.txt. `app_url`: where the app itself
    runs (default SITE_URL), for search, sign-in and gated downloads.
    """
    started = time.monotonic()
    out = Path(out).resolve()
    base_url = (base_url or settings.SITE_URL).rstrip("/")
    app_url = (app_url or settings.SITE_URL).rstrip("/")
    base = urlsplit(base_url)
    if base.scheme not in ("http", "https") or not base.netloc or base.path not in ("", "/"):
        raise ExportError(f"--base-url {base_url!r} must be an address like https://trust.example.com (no path)")
    if urlsplit(app_url).scheme not in ("http", "https") or not urlsplit(app_url).netloc:
        raise ExportError(f"--app-url {app_url!r} must be an address like https://app.example.com")
    language = language or settings.LANGUAGE_CODE
    if settings.USE_I18N and language not in dict(settings.LANGUAGES):
        raise ExportError(f"--language {language!r} is not one of {', '.join(dict(settings.LANGUAGES))}")
    _prepare_out(out)
    if not Policy.objects.published().exists():
        raise ExportError(
            "nothing is published yet, so there is no trust center to export; run `manage.py publish` first"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=out.parent))
    report = ExportReport(out=out)
    try:
        host = base.netloc
        overrides = {
            "STATIC_URL": "/static/",
            "STORAGES": {
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
            "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, host.split(":")[0]],
            "SITE_URL": base_url,
            "PUBLIC_PAGE_CACHE": False,
            "RATELIMIT_ENABLED": False,
            # The site's own 404 page, never the technical one.
            "DEBUG": False,
        }
        if base.scheme == "http":
            overrides["SECURE_SSL_REDIRECT"] = False
        with override_settings(**overrides):
            crawler = _Crawler(host=host, secure=base.scheme == "https", language=language, static_url="/static/")
            crawler.crawl(list(SEEDS))
            if "/" not in crawler.fetched:
                raise ExportError("the overview page (/) did not answer 200 to an anonymous visitor; see the log")
            not_found = crawler.client.get("/this-page-does-not-exist/", secure=crawler.secure)
            if not_found.status_code == 404 and _content_type(not_found) == "text/html":
                crawler.fetched["/404.html"] = _Fetched("/404.html", "404.html", "text/html", not_found.content)
            rewriter = _Rewriter(crawler, static_url="/static/", app_url=app_url)
            used = set()
            for fetched in crawler.fetched.values():
                if fetched.content_type == "text/html":
                    used |= rewriter.static_in(fetched)
            rewriter.static_names, report.static_files = _hashed_static(used, build)
            for url, fetched in crawler.fetched.items():
                is_html = fetched.content_type == "text/html"
                if is_html:
                    body = rewriter.html(fetched)
                elif fetched.content_type in _XML_TYPES:
                    body = rewriter.xml(fetched, base_url)
                else:
                    body = fetched.body
                _write(build / fetched.file, body, report)
                if is_html and url != "/404.html":
                    report.pages.append(url)
        report.files += report.static_files
        report.app_links = rewriter.app_links
        manifest = {
            "generator": "trustcenter export_static",
            "base_url": base_url,
            "app_url": app_url,
            "language": language,
            "files": {
                str(p.relative_to(build)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(build.rglob("*"))
                if p.is_file()
            },
        }
        (build / MARKER).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
        _swap_in(build, out)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    report.seconds = time.monotonic() - started
    return report


def _write(path: Path, body: bytes, report: ExportReport) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    report.files += 1
    report.bytes += len(body)
