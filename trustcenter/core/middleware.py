"""Security middleware: headers, request size, session lifetime, the 429 page.

Order in settings.MIDDLEWARE matters: the header middleware sits right after Django's
SecurityMiddleware, above WhiteNoise and everything that can answer early, so static
files, downloads and error pages all carry the same headers. Only the page cache sits
above them: it replays responses that went through them once.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext, ngettext

from trustcenter.lib.ratelimit import RateLimited, too_many_requests

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
