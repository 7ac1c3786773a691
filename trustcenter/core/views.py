import datetime

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from trustcenter.core.branding import brand_palette
from trustcenter.core.company import load_company
from trustcenter.publicsite.cache import public_page

SECURITY_TXT_LIFETIME = datetime.timedelta(days=180)


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
def healthz(request):
    return JsonResponse({"status": "ok"})
