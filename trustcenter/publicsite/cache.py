"""Whole-response cache for the public pages, for visitors who are not signed in.

A public page is the same for every anonymous visitor until something is published, so
it is rendered once and then served from the shared cache. Three pieces:

- `@public_page` marks a view whose anonymous response may be cached, and names the query
  parameters it reads. Others are left out of the key and a request carrying them never
  stores its page, so `?utm=...` can neither fill the cache nor plant its URL in a page.
- `PublicPageCacheMiddleware` looks the page up before the session, authentication, CSRF
  and message middleware run, and stores what the view produced on the way out, but only
  a 200 that sets no cookie, varies on nothing but the language and is not private.
- The *publication stamp*: a token in the shared cache that every write to a model in
  `settings.PUBLICATION_APPS` replaces (at once and again after the commit). Each entry
  records the stamp it was rendered under; an entry with another stamp is a miss, so
  a publication invalidates every page at once, in every process that shares the cache.
  With a per-process cache (LocMemCache, the no-configuration default) the stamp is also
  written to a file in VAR_DIR, so `manage.py publish` in another process is seen too.

The key holds the host, scheme, path, declared query values and the active language (the
one LocaleMiddleware will choose, from the URL, the language cookie or Accept-Language),
plus a fingerprint of the deployed code and templates and the company profile's mtime.
Requests that carry a session or messages cookie are never served from or stored in the
cache: they may be signed in, or have a message waiting.

Responses get a strong ETag (SHA-256 of the body) and Last-Modified, answer conditional
requests with 304, and say `Cache-Control: no-cache` so browsers revalidate instead of
showing a page from before the last publication.
"""

import functools
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.http import HttpResponse
from django.urls import Resolver404, get_urlconf, resolve
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from trustcenter.core.company import company_path

logger = logging.getLogger(__name__)

STAMP_KEY = "publicsite:stamp"
KEY_PREFIX = "publicsite:page"
MAX_PATH = 512
_ALLOWED_VARY = {"accept-language"}
# Kept from the stored response; everything else (security headers, Date) is added per request.
_SKIP_HEADERS = {"set-cookie", "date", "etag", "last-modified"}


@dataclass(frozen=True)
class PageSpec:
    """How a view's anonymous responses may be cached.

    `query`: the query parameters the view reads; they are part of the key, all others
    are ignored. `early`: serve a hit before the view's own decorators run. Set it to
    False for views with a rate limit, so every request is still counted.
    """

    query: tuple[str, ...] = ()
    early: bool = True


def public_page(view=None, *, query: tuple[str, ...] | list[str] = (), early: bool = True):
    """Mark a view whose responses to anonymous visitors may be cached whole.

    Use as `@public_page` or `@public_page(query=("q",), early=False)`; keep it innermost
    below `@rate_limited` when `early=False`, so the limit counts every request.
    """
    spec = PageSpec(query=tuple(query), early=early)

    def decorator(func):
        @functools.wraps(func)
        def wrapper(request, *args, **kwargs):
            entry = getattr(request, "_public_page_entry", None)
            if entry is not None:
                # Looked up by the middleware, served here once the outer decorators ran.
                return entry
            response = func(request, *args, **kwargs)
            response._public_page = True
            return response

        wrapper.public_page = spec
        return wrapper

    return decorator(view) if view is not None else decorator


# --- The publication stamp -------------------------------------------------------------------


def _cache_is_per_process() -> bool:
    backend = settings.CACHES["default"]["BACKEND"]
    return backend.endswith(("LocMemCache", "DummyCache"))


def _stamp_file() -> Path:
    return Path(settings.VAR_DIR) / "publication-stamp"


def _read_stamp_file() -> str:
    try:
        with open(_stamp_file(), encoding="ascii") as fh:
            return fh.read().strip()
    except FileNotFoundError:
        return ""


def _write_stamp_file(token: str) -> None:
    path = _stamp_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written in place, not renamed: a reader that catches the file half-written sees a
        # token nobody else uses, which costs one cache miss and nothing else.
        with open(path, "w", encoding="ascii") as fh:
            fh.write(token)
    except OSError as exc:  # a read-only VAR_DIR must not stop a publication
        logger.warning("could not write the publication stamp file %s: %s", path, exc)


def publication_bump(*, other_processes: bool = True) -> str:
    """Start a new publication: every cached public page becomes a miss, in every process.

    `other_processes=False` skips the stamp file (used while a transaction is open, when the
    bump after the commit will write it anyway)."""
    token = f"{time.time_ns():x}{secrets.token_hex(4)}"
    cache.set(STAMP_KEY, token, timeout=None)
    if other_processes and _cache_is_per_process():
        _write_stamp_file(token)
    return token


def _bump_after_commit() -> None:
    publication_bump()


def content_changed(sender, **kwargs) -> None:
    """Signal receiver: a row of an app that feeds public pages was written."""
    if sender._meta.app_label not in settings.PUBLICATION_APPS:
        return
    # Bump now, so nothing rendered from before this write is served again by this process;
    # and once more after the commit, for every process, so a page rendered while the
    # transaction was open (from the old rows, under the new stamp) is not kept either.
    # A publication of 500 pages writes 1,500 rows: only the first of them in a transaction
    # writes the stamp file, the rest bump the cache alone.
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        publication_bump()
        return
    pending = any(func is _bump_after_commit for _, func, _ in conn.run_on_commit)
    publication_bump(other_processes=not pending)
    if not pending:
        transaction.on_commit(_bump_after_commit)


# --- Keys and entries ------------------------------------------------------------------------


@functools.cache
def deploy_fingerprint() -> str:
    """A digest of what shapes a page besides the database: code, templates, translations,
    the static manifest and a few settings. A deploy therefore never serves pages rendered
    by the previous version, even from a shared Redis."""
    digest = hashlib.sha256()
    for setting in ("SITE_URL", "LANGUAGE_CODE", "STATIC_URL", "DEBUG"):
        digest.update(f"{setting}={getattr(settings, setting, '')}\0".encode())
    digest.update(repr(getattr(settings, "LANGUAGES", "")).encode())
    roots = [Path(settings.BASE_DIR) / "trustcenter", Path(settings.BASE_DIR) / "templates"]
    roots += [Path(d) for t in settings.TEMPLATES for d in t.get("DIRS", [])]
    roots += [Path(p) for p in getattr(settings, "LOCALE_PATHS", [])]
    seen = set()
    for root in roots:
        if root in seen or not root.is_dir():
            continue
        seen.add(root)
        for path in sorted(root.rglob("*")):
            if path.suffix in {".py", ".html", ".txt", ".xml", ".mo"} and path.is_file():
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        digest.update(manifest.read_bytes())
    return digest.hexdigest()[:16]


def request_language(request) -> str:
    """The language LocaleMiddleware will activate for this request: from the URL prefix,
    the language cookie or Accept-Language. Entries are only stored when the page was
    really rendered in this language (see `_storable`), so a different language middleware
    can cost cache hits but never serve a page in the wrong language."""
    if not settings.USE_I18N:
        return settings.LANGUAGE_CODE
    urlconf = getattr(request, "urlconf", None) or get_urlconf() or settings.ROOT_URLCONF
    i18n_patterns_used, prefixed_default_language = is_language_prefix_patterns_used(urlconf)
    language = translation.get_language_from_request(request, check_path=i18n_patterns_used)
    if i18n_patterns_used and not prefixed_default_language:
        if not translation.get_language_from_path(request.path_info):
            language = settings.LANGUAGE_CODE
    return language


def _page_key(request, spec: PageSpec, language: str) -> str:
    parts = [request.scheme, request.get_host(), request.path, language]
    for name in spec.query:
        parts.append(name + "=" + "\x1f".join(value.strip() for value in request.GET.getlist(name)))
    try:
        parts.append(str(company_path().stat().st_mtime_ns))
    except FileNotFoundError:
        parts.append("-")
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:40]
    return f"{KEY_PREFIX}:{deploy_fingerprint()}:{digest}"


def _current_stamp(cached: str | None) -> str:
    if cached is None:
        # First request after the cache was emptied: start a generation every process agrees on.
        cache.add(STAMP_KEY, f"{time.time_ns():x}{secrets.token_hex(4)}", timeout=None)
        cached = cache.get(STAMP_KEY, "")
    if _cache_is_per_process():
        return f"{cached}/{_read_stamp_file()}"
    return cached


@dataclass(frozen=True)
class Entry:
    stamp: str
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes
    etag: str
    last_modified: float

    @classmethod
    def from_response(cls, response, stamp: str) -> "Entry":
        content = response.content
        etag = response.get("ETag") or '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
        headers = tuple((k, v) for k, v in response.items() if k.lower() not in _SKIP_HEADERS)
        return cls(stamp, response.status_code, headers, content, etag, time.time())

    def respond(self, request) -> HttpResponse:
        response = HttpResponse(self.content, status=self.status)
        for name, value in self.headers:
            response[name] = value
        response["ETag"] = self.etag
        response["Last-Modified"] = http_date(self.last_modified)
        if "Cache-Control" not in response:
            patch_cache_control(response, no_cache=True)
        return get_conditional_response(
            request, etag=self.etag, last_modified=int(self.last_modified), response=response
        )


def _storable(request, response, language: str) -> bool:
    if not getattr(response, "_public_page", False) or response.status_code != 200 or response.streaming:
        return False
    if translation.get_language() != language:
        return False  # rendered in another language than the key says
    if response.cookies:
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    if vary - _ALLOWED_VARY:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if "private" in cache_control or "no-store" in cache_control:
        return False
    # A CSP nonce differs per response; a page that used one cannot be replayed.
    return not isinstance(getattr(request, "_csp_nonce", None), str)


def _cookies_mean_personal(request) -> bool:
    return (
        settings.SESSION_COOKIE_NAME in request.COOKIES
        or getattr(settings, "MESSAGE_COOKIE_NAME", "messages") in request.COOKIES
    )


class PublicPageCacheMiddleware:
    """Serve and store whole `@public_page` responses for anonymous visitors.

    Sits below the security header middleware (so cached pages get the same headers) and
    above SessionMiddleware (so a hit costs no session, user or CSRF work).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def _spec(self, request) -> PageSpec | None:
        if not settings.PUBLIC_PAGE_CACHE or request.method != "GET" or len(request.path_info) > MAX_PATH:
            return None
        if _cookies_mean_personal(request):
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        return getattr(match.func, "public_page", None)

    def __call__(self, request):
        spec = self._spec(request)
        if spec is None:
            return self.get_response(request)
        language = request_language(request)
        try:
            key = _page_key(request, spec, language)
        except DisallowedHost:
            return self.get_response(request)  # Django answers 400 further down
        found = cache.get_many([STAMP_KEY, key])
        stamp = _current_stamp(found.get(STAMP_KEY))
        entry = found.get(key)
        if entry is not None and entry.stamp == stamp:
            if spec.early:
                return entry.respond(request)
            request._public_page_entry = entry.respond(request)
            return self.get_response(request)
        response = self.get_response(request)
        # Only a request without undeclared parameters may fill the entry: a page that echoes
        # its own URL (a language link's `next=`) must not carry one visitor's junk to everyone.
        if not set(request.GET).issubset(spec.query) or not _storable(request, response, language):
            return response
        entry = Entry.from_response(response, stamp)
        cache.set(key, entry, timeout=settings.PUBLIC_PAGE_CACHE_SECONDS)
        return entry.respond(request)
