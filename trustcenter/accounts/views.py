from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from trustcenter.accounts import lockout
from trustcenter.lib.redirects import safe_next


def rate_limited(request, exception=None):
    """allauth's 429 (ACCOUNT_RATE_LIMITS): the site's own page, never cached."""
    response = render(request, "429.html", {"retry_after_minutes": None}, status=429)
    add_never_cache_headers(response)
    return response


@require_safe
def admin_login(request):
    """Everyone signs in through allauth, so staff cannot skip MFA by using the admin's own login form."""
    target = safe_next(request, request.GET.get("next"), default=reverse("admin:index"))
    return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")


@require_safe
def unlock(request, token):
    """The owner's unlock link: this browser skips the account's sign-in delay (never the per-IP limit)."""
    key = lockout.unlock_key_from(token)
    if key is None:
        messages.error(request, _("This unlock link has expired or is not valid. Sign in after the wait, or reset "
                                  "your password."))  # fmt: skip
        return redirect("account_login")
    messages.success(request, _("This browser can sign in to your account again. Sign in now."))
    response = redirect("account_login")
    response.set_signed_cookie(
        lockout.COOKIE,
        key,
        salt=lockout.SALT,
        max_age=settings.ACCOUNT_LOCKOUT_UNLOCK_SECONDS,
        secure=request.is_secure() or not settings.DEBUG,
        httponly=True,
        samesite="Lax",
    )
    add_never_cache_headers(response)
    return response
