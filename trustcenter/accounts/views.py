from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

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
