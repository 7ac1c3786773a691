from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_safe


def rate_limited(request, exception=None):
    """allauth's 429 (ACCOUNT_RATE_LIMITS): the site's own page, never cached."""
    response = render(request, "429.html", {"retry_after_minutes": None}, status=429)
    add_never_cache_headers(response)
    return response


@require_safe
def admin_login(request):
    """Everyone signs in through allauth, so staff cannot skip MFA by using the admin's own login form."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("admin:index")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")
