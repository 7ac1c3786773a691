"""Whole-response cache for the public pages, for visitors who are not signed in.

A public page is the same for every anonymous visitor until something is published, so it
is rendered once and then served as stored bytes with stored headers. The pieces:

- `@public_page` marks a view whose anonymous response may be cached, and names the query
  parameters it reads. Others are left out of the key and a request carrying them never
  stores its page, so `?utm=...` can neither fill the cache nor plant its URL in a page.
  `daily=True` adds the site's date to the key, for responses that carry it (dated PDFs).
  The view's rate limits (`@rate_limited`) still count every request: a hit is counted
  here, by IP address as the view would count an anonymous visitor, before it is served.
- `PageCacheMiddleware`, first in settings.MIDDLEWARE, so a hit runs nothing else: no
  security header, session, CSRF or locale middleware. `PageCacheApplication` wraps the WSGI
  application and sends the plainest hits (a GET without conditional headers, within its
  rate limits) before Django handles the request at all. It stores the response as the whole
  stack finished it, security headers included, so those are built once per publication.
  It stores only a 200 that sets no cookie, varies on nothing but the language, is not
  private and was rendered in the language the key says.
- Each process keeps the entries it served last (`RecentEntries`); a process that has none
  reads the shared cache (Redis in production) once, then serves from its own copy.
- The *publication stamp*: a token in the shared cache that every write to a model in
  `settings.PUBLICATION_APPS` replaces (at once and again after the commit), combined with
  the modification times of watched files (the company profile). Each entry records the
  stamp it was rendered under; an entry with another stamp is a miss. A process reads the
  shared stamp at most once per `PUBLIC_PAGE_CHECK_SECONDS`, so a hit costs no round trip,
  and a publication made by another process is seen within that bound; the process that
  publishes sees it at once. With a per-process cache (LocMemCache, the no-configuration
  default) the stamp is also written to a file in VAR_DIR, so `manage.py publish` in
  another process is seen too.

The key holds the scheme, host, path, declared query values and the active language (the
one LocaleMiddleware will choose, from the URL, the language cookie or Accept-Language),
plus a fingerprint of the deployed code and templates. Requests that carry a session or
messages cookie are never served from or stored in the cache: they may be signed in, or
have a message waiting.

Shared caches (a CDN, the nginx micro-cache in deploy/nginx.conf): every response leaves
the middleware with a Cache-Control header. A stored public page says
`public, max-age=PUBLIC_PAGE_MAX_AGE, stale-while-revalidate=PUBLIC_PAGE_STALE_SECONDS` and
`Vary: Accept-Language, Cookie`; a response that sets a cookie always says `private,
no-store`, and so does every other response that did not choose for itself (a view's own
`never_cache`, WhiteNoise's static files). Responses get a strong ETag (SHA-256 of the body)
and Last-Modified, and answer conditional requests with 304.
"""

import functools
import hashlib
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.db import transaction
from django.http import HttpResponse
from django.urls import Resolver404, get_urlconf, resolve
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from trustcenter.lib import ratelimit

logger = logging.getLogger(__name__)

STAMP_KEY = "pagecache:stamp"
KEY_PREFIX = "pagecache:page"
MAX_PATH = 512
PRIVATE = "private, no-store"
_ALLOWED_VARY = {"accept-language"}
# Never kept from the stored response: cookies, and what is set per entry or per request.
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
            response.public_page = spec
            return response

        wrapper.public_page = spec
        return wrapper

    return decorator(view) if view is not None else decorator


# --- The publication stamp -------------------------------------------------------------------

# Callables returning files whose change makes every page stale (registered by the apps).
_watched: list[Callable[[], Path]] = []


def watch_file(path: Callable[[], Path]) -> None:
    """Make a change to the file `path()` names (its modification time) start a new publication."""
    if path not in _watched:
        _watched.append(path)


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


class _Stamp:
    """This process's idea of the current stamp, and when it last asked the shared cache."""

    def __init__(self):
        self.value = ""
        self.checked = float("-inf")
        self.lock = threading.Lock()

    def current(self) -> str:
        now = time.monotonic()
        if now - self.checked < settings.PUBLIC_PAGE_CHECK_SECONDS:
            return self.value
        shared = cache.get(STAMP_KEY)
        if shared is None:
            # First request after the cache was emptied: start a generation every process agrees on.
            cache.add(STAMP_KEY, _new_token(), timeout=None)
            shared = cache.get(STAMP_KEY, "")
        parts = [shared]
        if _cache_is_per_process():
            parts.append(_read_stamp_file())
        for path in _watched:
            try:
                parts.append(str(path().stat().st_mtime_ns))
            except FileNotFoundError:
                parts.append("-")
        with self.lock:
            self.value, self.checked = "/".join(parts), now
        return self.value

    def forget(self) -> None:
        with self.lock:
            self.checked = float("-inf")


_stamp = _Stamp()


def _new_token() -> str:
    return f"{time.time_ns():x}{secrets.token_hex(4)}"


def publication_bump(*, other_processes: bool = True) -> str:
    """Start a new publication: every cached public page becomes a miss, in this process at
    once and in every other one within PUBLIC_PAGE_CHECK_SECONDS.

    `other_processes=False` skips the stamp file (used while a transaction is open, when the
    bump after the commit will write it anyway)."""
    token = _new_token()
    cache.set(STAMP_KEY, token, timeout=None)
    if other_processes and _cache_is_per_process():
        _write_stamp_file(token)
    _stamp.forget()
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
    really rendered in this language (its Content-Language), so a different language
    middleware can cost cache hits but never serve a page in the wrong language."""
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
    if spec.daily:
        parts.append(timezone.localdate().isoformat())
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:40]
    return f"{KEY_PREFIX}:{deploy_fingerprint()}:{digest}"


@dataclass(frozen=True)
class Entry:
    """A stored response: status, the headers every middleware added, the body, its ETag."""

    stamp: str
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes
    etag: str
    last_modified: float
    status_line: str = ""  # "200 OK", for PageCacheApplication

    @classmethod
    def from_response(cls, response, stamp: str) -> "Entry":
        content = response.content
        etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
        now = time.time()
        headers = [(k, v) for k, v in response.items() if k.lower() not in _SKIP_HEADERS]
        headers += [("ETag", etag), ("Last-Modified", http_date(now))]
        status_line = f"{response.status_code} {response.reason_phrase}"
        return cls(stamp, response.status_code, tuple(headers), content, etag, now, status_line)

    def respond(self, request) -> HttpResponse:
        response = HttpResponse(self.content, status=self.status, headers=dict(self.headers))
        return get_conditional_response(
            request, etag=self.etag, last_modified=int(self.last_modified), response=response
        )


class RecentEntries:
    """The entries this process served last, up to `max_bytes` of content, so that a hit needs
    nothing from the shared cache. An entry is only used while its stamp is the current one,
    and it is dropped when it is older than PUBLIC_PAGE_CACHE_SECONDS, like the shared copy."""

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

# Called as listener(path, entry) for every GET answered from the cache, in the request's thread.
# For counters that must see hits without costing them a round trip: a listener keeps its count
# in the process and writes it out now and then (the engagement counts do).
hit_listeners: list[Callable[[str, Entry], None]] = []


def _heard(path: str, entry: Entry) -> None:
    for listener in hit_listeners:
        listener(path, entry)


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


def _personal(request) -> bool:
    """The request may belong to someone signed in, or have a message waiting."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME in cookies or getattr(settings, "MESSAGE_COOKIE_NAME", "messages") in cookies


def _storable(request, response, spec: PageSpec, language: str) -> bool:
    if getattr(response, "public_page", None) is None or response.status_code != 200 or response.streaming:
        return False
    # Only a request without undeclared parameters may fill the entry: a page that echoes
    # its own URL (a language link's `next=`) must not carry one visitor's junk to everyone.
    if not set(request.GET).issubset(spec.query) or response.cookies:
        return False
    if settings.USE_I18N and response.get("Content-Language", language) != language:
        return False  # rendered in another language than the key says
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    if vary - _ALLOWED_VARY:
        return False  # personal: the session was read
    cache_control = response.get("Cache-Control", "").lower()
    if "private" in cache_control or "no-store" in cache_control:
        return False
    # A CSP nonce differs per response; a page that used one cannot be replayed.
    return "'nonce-" not in response.get("Content-Security-Policy", "")


def shared_cache_headers(response) -> None:
    """Let browsers and shared caches keep an anonymous public page for a bounded time (this
    replaces a view's own `no-cache`: a publication reaches every copy within the bound)."""
    response["Cache-Control"] = (
        f"public, max-age={settings.PUBLIC_PAGE_MAX_AGE}, stale-while-revalidate={settings.PUBLIC_PAGE_STALE_SECONDS}"
    )
    # A request with a session cookie (someone signed in) never matches the anonymous copy.
    patch_vary_headers(response, ["Accept-Language", "Cookie"])


def _private_unless_chosen(response) -> None:
    cache_control = response.get("Cache-Control", "").lower()
    if not cache_control:
        response["Cache-Control"] = PRIVATE
    elif response.cookies and ("public" in cache_control or "no-store" not in cache_control):
        response["Cache-Control"] = PRIVATE  # whatever the view said: a cookie is personal


@dataclass(frozen=True)
class _Candidate:
    view: Callable
    spec: PageSpec
    language: str
    key: str


def _candidate(request) -> _Candidate | None:
    """What a request may be answered with from the cache, or None when it never is (not a GET,
    possibly signed in, not a `@public_page` path). Raises DisallowedHost for a bad Host."""
    if not settings.PUBLIC_PAGE_CACHE or request.method != "GET" or len(request.path_info) > MAX_PATH:
        return None
    if _personal(request):
        return None
    view = _public_view(getattr(request, "urlconf", None) or get_urlconf(), request.path_info)
    if view is None:
        return None
    language = request_language(request)
    return _Candidate(view, view.public_page, language, _page_key(request, view.public_page, language))


def _held(key: str, stamp: str) -> Entry | None:
    entry = _recent.get(key)
    return entry if entry is not None and entry.stamp == stamp else None


class PageCacheMiddleware:
    """Serve and store whole `@public_page` responses for anonymous visitors; give every
    response a Cache-Control header. First in settings.MIDDLEWARE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def _pass(self, request):
        response = self.get_response(request)
        _private_unless_chosen(response)
        return response

    def __call__(self, request):
        try:
            found = _candidate(request)
        except DisallowedHost:
            found = None  # Django answers 400 further down
        if found is None:
            return self._pass(request)
        # The view's rate limits count every request, hit or miss; counted here and marked
        # so the view's own decorator does not count it again. Over the limit, the request goes
        # on unmarked: the view counts it once more, and the 429 page is made by the whole
        # stack, with every security header.
        counters = _rate_counters(request, found.view)
        if counters:
            counts = ratelimit.count_all(counters)
            try:
                ratelimit.judge(zip(counters, counts, strict=True))
            except ratelimit.RateLimited:
                return self._pass(request)
            ratelimit.mark_counted(request, {c.scope for c in counters})
        stamp = _stamp.current()
        entry = _held(found.key, stamp)
        if entry is None:
            entry = cache.get(found.key)
            if entry is not None and entry.stamp == stamp:
                _recent.put(found.key, entry)
        if entry is not None and entry.stamp == stamp:
            if request.method == "GET":
                _heard(request.path, entry)
            return entry.respond(request)
        response = self.get_response(request)
        if not _storable(request, response, found.spec, found.language):
            _private_unless_chosen(response)
            return response
        shared_cache_headers(response)
        entry = Entry.from_response(response, stamp)
        cache.set(found.key, entry, timeout=settings.PUBLIC_PAGE_CACHE_SECONDS)
        _recent.put(found.key, entry)
        return entry.respond(request)


# What PageCacheApplication learnt about requests it has seen: the raw environ values that decide
# a candidate's key (scheme, host, path, query, language, cookies), mapped to the candidate, or
# None for a request that is never answered from the cache. Building a Django request and the
# key is most of what a hit costs; the same values give the same answer until a setting or the
# URLs change (a deploy starts new processes; tests clear it when they change settings). Keys
# of pages dated by the day are not kept. Bounded: emptied when it grows past MEMO_SIZE.
_MEMO_ENVIRON = (
    "wsgi.url_scheme",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_HOST",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "SERVER_NAME",
    "SERVER_PORT",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "HTTP_ACCEPT_LANGUAGE",
    "HTTP_COOKIE",
)
MEMO_SIZE = 4096
_memo: dict[tuple, "_Candidate | None"] = {}


def forget_requests(**kwargs) -> None:
    """Empty PageCacheApplication's memo (a `setting_changed` receiver, and for tests)."""
    _memo.clear()


class PageCacheApplication:
    """The WSGI application around Django's (trustcenter/wsgi.py): a page this process holds is
    sent before Django handles the request at all (no request signals, middleware or response
    object), which is most of what a hit cost. Only the plainest case: an anonymous GET for a
    `@public_page` without conditional headers, counted against the view's rate limits (a page
    held here is counted only once it is known to be held, so a miss is counted once, by
    Django). Anything else, any miss and any request over a limit goes to Django, where
    PageCacheMiddleware decides as it always does."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        entry = self._hit(environ) if environ.get("REQUEST_METHOD") == "GET" else None
        if entry is None:
            return self.application(environ, start_response)
        _heard(environ.get("PATH_INFO", ""), entry)
        start_response(entry.status_line, list(entry.headers))
        return [entry.content]

    @staticmethod
    def _hit(environ) -> Entry | None:
        if environ.get("HTTP_IF_NONE_MATCH") or environ.get("HTTP_IF_MODIFIED_SINCE"):
            return None  # Django answers conditional requests (304)
        if environ.get("CONTENT_LENGTH") not in (None, "", "0"):
            return None  # a GET with a body: RequestSizeLimitMiddleware decides
        if not settings.PUBLIC_PAGE_CACHE:
            return None
        memo_key = tuple(environ.get(name) for name in _MEMO_ENVIRON)
        request = None
        if memo_key in _memo:
            found = _memo[memo_key]
        else:
            request = WSGIRequest(environ)
            try:
                found = _candidate(request)
            except DisallowedHost:
                found = None
            if found is None or not found.spec.daily:
                if len(_memo) >= MEMO_SIZE:
                    _memo.clear()
                _memo[memo_key] = found
        if found is None:
            return None
        entry = _held(found.key, _stamp.current())
        if entry is None or not entry.status_line:
            return None
        # The view's rate limits count this request as PageCacheMiddleware would (at most one round
        # trip for all of them). Over a limit, Django handles it: the view counts it once more
        # and the whole stack makes the 429 page.
        if getattr(found.view, "rate_limits", ()):
            counters = _rate_counters(request or WSGIRequest(environ), found.view)
            try:
                ratelimit.judge(zip(counters, ratelimit.count_all(counters), strict=True))
            except ratelimit.RateLimited:
                return None
        return entry
