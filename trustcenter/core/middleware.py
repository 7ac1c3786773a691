"""Security middleware: headers, request size, session lifetime, the 429 page.

Order in settings.MIDDLEWARE matters: the header middleware sits right after Django's
SecurityMiddleware, above WhiteNoise and everything that can answer early, so static
files, downloads and error pages all carry the same headers.
"""

import time
from dataclasses import asdict

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext, ngettext

from trustcenter.ratelimit import RateLimited

# Session keys owned by SessionLifetimeMiddleware.
SESSION_STARTED = "_tc_auth_started"
SESSION_SEEN = "_tc_last_seen"
# Last-seen is written at most this often, so reading pages does not write the session each time.
SEEN_RESOLUTION = 60


class SecurityHeadersMiddleware:
    """Headers Django does not set itself: Permissions-Policy and Cross-Origin-Resource-Policy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY)
        return response


# Response attributes through which django-csp lets a view change its policy; none is used here.
_CSP_PER_RESPONSE = (
    *("_csp_config", "_csp_update", "_csp_replace"),
    *("_csp_config_ro", "_csp_update_ro", "_csp_replace_ro"),
)
_csp_headers: dict[str, str] = {}


@receiver(setting_changed)
def _forget_csp_headers(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _csp_headers.clear()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the header built once instead of for every response.

    No page here uses a nonce or changes the policy per view, so the header only depends on
    the settings; building it took as long as the rest of serving a cached page. A response
    that does use a nonce or a per-view policy goes through django-csp unchanged.
    """

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in _CSP_PER_RESPONSE
        ):
            return super().process_response(request, response)
        if response.status_code in (404, 500) and settings.DEBUG:
            return response  # Django's debug pages, as django-csp leaves them
        for header, setting, exempt in (
            (HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt"),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro"),
        ):
            if header not in _csp_headers:
                _csp_headers[header] = build_policy(**asdict(PolicyParts()), report_only=header == HEADER_REPORT_ONLY)
            value = _csp_headers[header]
            prefixes = tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ())
            if (
                value
                and header not in response
                and not getattr(response, exempt, False)
                and not request.path_info.startswith(prefixes)
            ):
                response[header] = value
        # As django-csp does: asking for a nonce after the header was written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


def render_before_locale(request, template: str, context: dict, status: int):
    """An error page answered by middleware that runs before LocaleMiddleware (and before
    sessions and authentication), in the language LocaleMiddleware would have chosen: the
    language cookie, then Accept-Language."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        response = render(request, template, context, status=status)
    response.headers["Content-Language"] = language
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response


def too_many_requests(request, exception: RateLimited):
    """The 429 page with Retry-After, never stored by a shared cache."""
    response = render(request, "429.html", {"retry_after_minutes": max(1, -(-exception.retry_after // 60))}, status=429)
    response["Retry-After"] = str(exception.retry_after)
    # One client's 429 must never be served to others from a shared cache.
    add_never_cache_headers(response)
    return response


def _body_limit(path: str) -> int:
    limit = settings.REQUEST_BODY_MAX_BYTES
    for prefix, prefix_limit in settings.REQUEST_BODY_LIMITS.items():
        if path.startswith(prefix):
            limit = max(limit, prefix_limit)
    return limit


class RequestSizeLimitMiddleware:
    """413 for a request body larger than its path allows, decided from Content-Length before any read.

    Django only reads CONTENT_LENGTH bytes of a body, so a body without the header is
    read as empty and cannot get around the limit.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            length = -1
        if length < 0:
            return render_before_locale(request, "400.html", {}, 400)
        limit = _body_limit(request.path_info)
        if length > limit:
            return render_before_locale(request, "413.html", {"limit_mb": round(limit / (1024 * 1024), 1)}, 413)
        return self.get_response(request)


class SessionLifetimeMiddleware:
    """Sign users out after SESSION_IDLE_TIMEOUT without a request or SESSION_ABSOLUTE_LIFETIME after sign-in.

    Ending the session flushes it in the store, so the old cookie is worth nothing.
    Runs after AuthenticationMiddleware; anonymous sessions are left alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # No session to check; leaving it untouched keeps public pages free of `Vary: Cookie`.
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._check(request)
        elif SESSION_KEY in request.session:
            # Signed in as an account that is now inactive or gone: the session is dead, drop it.
            request.session.flush()
        return self.get_response(request)

    def _check(self, request):
        session = request.session
        now = int(time.time())
        started = session.get(SESSION_STARTED)
        seen = session.get(SESSION_SEEN)
        if started is None:
            # Set at sign-in by the user_logged_in receiver; sessions from before this
            # middleware existed start counting now.
            session[SESSION_STARTED] = session[SESSION_SEEN] = now
            return
        idle = seen is not None and now - seen > settings.SESSION_IDLE_TIMEOUT
        expired = now - started > settings.SESSION_ABSOLUTE_LIFETIME
        if idle or expired:
            logout(request)
            if idle and not expired:
                text = gettext("You were signed out after %(duration)s without activity. Please sign in again.")
                limit = settings.SESSION_IDLE_TIMEOUT
            else:
                text = gettext("You were signed out after %(duration)s since you signed in. Please sign in again.")
                limit = settings.SESSION_ABSOLUTE_LIFETIME
            messages.info(request, text % {"duration": _duration(limit)})
            return
        if seen is None or now - seen >= SEEN_RESOLUTION:
            session[SESSION_SEEN] = now


def session_started(sender, request, user, **kwargs):
    """user_logged_in receiver: the absolute lifetime counts from here."""
    now = int(time.time())
    request.session[SESSION_STARTED] = now
    request.session[SESSION_SEEN] = now


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    minutes = max(1, seconds // 60)
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


class RateLimitMiddleware:
    """Turn RateLimited from any view into the 429 page with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, RateLimited):
            return None
        return too_many_requests(request, exception)
