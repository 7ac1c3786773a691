"""Whole-response cache for the public pages, for visitors who are not signed in.

A public page is the same for every anonymous visitor until something is published, so
it is rendered once and then served from the shared cache. Three pieces:

- `@public_page` marks a view whose anonymous response may be cached, and names the query
  parameters it reads. Others are left out of the key and a request carrying them never
  stores its page, so `?utm=...` can neither fill the cache nor plant its URL in a page.
  `daily=True` adds the site's date to the key, for responses that carry it (dated PDFs).
  The view's rate limits (`@rate_limited`) still count every request: a hit is counted
  here, by IP address as the view would count an anonymous visitor, before it is served.
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
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.http import HttpResponse
from django.urls import Resolver404, get_urlconf, resolve
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from trustcenter import ratelimit
from trustcenter.core.company import company_path
from trustcenter.core.middleware import too_many_requests
from trustcenter.ratelimit import RateLimited

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
    are ignored. `daily`: the response carries today's date, so the date is in the key.
    """

    query: tuple[str, ...] = ()
    daily: bool = False


def public_page(view=None, *, query: tuple[str, ...] | list[str] = (), daily: bool = False):
    """Mark a view whose responses to anonymous visitors may be cached whole.

    Use as `@public_page` or `@public_page(query=("q",))`, innermost: below `@rate_limited`
    and `@require_safe`, whose checks the middleware repeats for a hit.
    """
    spec = PageSpec(query=tuple(query), daily=daily)

    def decorator(func):
        @functools.wraps(func)
        def wrapper(request, *args, **kwargs):
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
    if spec.daily:
        parts.append(timezone.localdate().isoformat())
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


class RecentEntries:
    """The entries this process served last, up to `max_bytes` of content, so that a hit reads
    only the publication stamp from the shared cache instead of the whole page (a page or PDF
    is tens to hundreds of KB; the stamp is a few bytes). An entry is only used when its stamp
    is the current one, so a publication anywhere still invalidates it at once, and it is
    dropped when it is older than PUBLIC_PAGE_CACHE_SECONDS, like the shared copy."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> "Entry | None":
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if time.time() - entry.last_modified > settings.PUBLIC_PAGE_CACHE_SECONDS:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: "Entry") -> None:
        if len(entry.content) > self.max_bytes:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = entry
            self._size += len(entry.content)
            while self._size > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        self._size -= len(self._entries.pop(key).content)


_recent = RecentEntries(max_bytes=32 * 1024 * 1024)


@functools.lru_cache(maxsize=4096)
def _public_view(urlconf, path: str):
    """The `@public_page` view for a path, or None. Remembered per path: the URL patterns only
    change with a deploy, and the cache is bounded, so unknown paths cannot grow it."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    return match.func if getattr(match.func, "public_page", None) is not None else None


def _rate_counters(request, view) -> list[ratelimit.Counter]:
    """The counters the view's rate limits would add to for this request. The visitor has no
    session cookie, so a limit keyed by user falls back to the IP address (`user_or_ip`)."""
    planned = []
    for scope, key, methods in getattr(view, "rate_limits", ()):
        if methods is None or request.method in methods:
            planned += ratelimit.counters(request, scope, key="ip" if key in ("ip", "user_or_ip") else key)
    return planned


def _fetch(keys: list[str], counters: list[ratelimit.Counter]) -> tuple[dict, list[int]]:
    """Read `keys` and count the counters: one round trip with Redis, several otherwise."""
    if not counters:
        return cache.get_many(keys), []
    together = getattr(cache, "get_many_and_count", None)
    if together is not None:
        return together(keys, [(c.key, c.timeout) for c in counters])
    return cache.get_many(keys), [ratelimit.count(c) for c in counters]


class PublicPageCacheMiddleware:
    """Serve and store whole `@public_page` responses for anonymous visitors.

    Sits below the security header middleware (so cached pages get the same headers) and
    above SessionMiddleware (so a hit costs no session, user or CSRF work).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def _view(self, request):
        if not settings.PUBLIC_PAGE_CACHE or request.method != "GET" or len(request.path_info) > MAX_PATH:
            return None
        if _cookies_mean_personal(request):
            return None
        return _public_view(getattr(request, "urlconf", None) or get_urlconf(), request.path_info)

    def __call__(self, request):
        view = self._view(request)
        if view is None:
            return self.get_response(request)
        spec = view.public_page
        language = request_language(request)
        try:
            key = _page_key(request, spec, language)
        except DisallowedHost:
            return self.get_response(request)  # Django answers 400 further down
        # The view's rate limits count every request, hit or miss; counted here, with the
        # cache read, and marked so the view's own decorator does not count it again.
        counters = _rate_counters(request, view)
        entry = _recent.get(key)  # seen by this process: only the (small) stamp is needed
        found, counts = _fetch([STAMP_KEY] if entry is not None else [STAMP_KEY, key], counters)
        ratelimit.mark_counted(request, {c.scope for c in counters})
        try:
            ratelimit.judge(zip(counters, counts, strict=True))
        except RateLimited as exc:
            with translation.override(language):
                return too_many_requests(request, exc)
        stamp = _current_stamp(found.get(STAMP_KEY))
        if entry is None or entry.stamp != stamp:
            entry = found[key] if key in found else (cache.get(key) if entry is not None else None)
            if entry is not None and entry.stamp == stamp:
                _recent.put(key, entry)
        if entry is not None and entry.stamp == stamp:
            return entry.respond(request)
        response = self.get_response(request)
        # Only a request without undeclared parameters may fill the entry: a page that echoes
        # its own URL (a language link's `next=`) must not carry one visitor's junk to everyone.
        if not set(request.GET).issubset(spec.query) or not _storable(request, response, language):
            return response
        entry = Entry.from_response(response, stamp)
        cache.set(key, entry, timeout=settings.PUBLIC_PAGE_CACHE_SECONDS)
        _recent.put(key, entry)
        return entry.respond(request)
