import datetime
import logging
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from trustcenter.core.branding import brand_palette
from trustcenter.core.company import load_company
from trustcenter.lib.pagecache import public_page
from trustcenter.lib.redirects import safe_next

SECURITY_TXT_LIFETIME = datetime.timedelta(days=180)
# Readiness probes write, read and delete one small file under this prefix of private storage.
READYZ_PREFIX = ".readyz"

logger = logging.getLogger(__name__)


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


@require_safe
@public_page
def security_txt(request):
    """RFC 9116. `Expires` moves with the calendar, always within a year."""
    company = load_company()
    expires = (timezone.now() + SECURITY_TXT_LIFETIME).replace(microsecond=0)
    lines = [f"Contact: mailto:{company.security_email}"]
    if company.disclosure_url:
        lines.append(f"Policy: {company.disclosure_url}")
    lines += [
        f"Expires: {expires.astimezone(datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
        f"Preferred-Languages: {', '.join(company.preferred_languages)}",
        f"Canonical: {_absolute('/.well-known/security.txt')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
@public_page
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /language/",
        "Allow: /",
        f"Sitemap: {_absolute(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
@cache_control(public=True, max_age=300)
def brand_css(request):
    """The brand colour from company.yaml as a stylesheet: no inline styles, no code change."""
    company = load_company()
    return HttpResponse(brand_palette(company.primary_color).css(), content_type="text/css; charset=utf-8")


@require_safe
@never_cache
def healthz(request):
    """Liveness: the process answers. Touches nothing else, so a database outage does not restart it."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 returned something else")


def _check_cache() -> None:
    key, token = f"readyz:{secrets.token_hex(8)}", secrets.token_hex(8)
    cache.set(key, token, timeout=30)
    try:
        if cache.get(key) != token:
            raise RuntimeError("a value written to the cache could not be read back")
    finally:
        cache.delete(key)


def _check_storage() -> None:
    token = secrets.token_bytes(16)
    name = default_storage.save(f"{READYZ_PREFIX}/{secrets.token_hex(8)}", ContentFile(token))
    try:
        with default_storage.open(name, "rb") as handle:
            if handle.read() != token:
                raise RuntimeError("a file written to storage could not be read back")
    finally:
        default_storage.delete(name)


READINESS_CHECKS = {"database": _check_database, "cache": _check_cache, "storage": _check_storage}


@require_safe
@never_cache
def readyz(request):
    """Readiness: the database, the shared cache and private storage all work, or 503 naming what failed.

    The body gives each check's result and time; failures name the exception's class only,
    because this URL is public. The full error goes to the log.
    """
    checks, failed = {}, []
    for name, check in READINESS_CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported below
            logger.exception("readiness check %s failed", name)
            checks[name] = {"ok": False, "error": type(exc).__name__, "ms": _ms_since(started)}
            failed.append(name)
        else:
            checks[name] = {"ok": True, "ms": _ms_since(started)}
    body = {"status": "unavailable" if failed else "ok", "failed": failed, "checks": checks}
    return JsonResponse(body, status=503 if failed else 200)


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


@require_safe
@never_cache
def language_switch(request, code):
    """Remember the visitor's interface language in a cookie and go back to where they were.

    A link rather than Django's `set_language` form: a form would need a CSRF token on every
    page, and public pages carry no per-visitor data (so they can be cached). Switching the
    interface language is harmless, so a GET that sets a preference cookie is acceptable.
    """
    if code not in dict(settings.LANGUAGES):
        raise Http404("Unknown language")
    response = HttpResponseRedirect(safe_next(request, request.GET.get("next"), default="/"))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
