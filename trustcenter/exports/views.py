from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from trustcenter.exports.services import ExportedPdf, bundle_export, policy_export_for
from trustcenter.lib.pagecache import public_page
from trustcenter.lib.ratelimit import rate_limited
from trustcenter.policies.views import get_version_for_reading, render_locked


def _pdf_response(request, exported: ExportedPdf, *, public: bool) -> HttpResponse:
    etag = f'"{exported.key[:32]}"'
    if public and etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(exported.data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
        response["Content-Length"] = str(len(exported.data))
    if public:
        # Revalidate every time: a publication or a new day changes the file.
        response["ETag"] = etag
        patch_cache_control(response, no_cache=True)
    else:
        # Watermarked for one reader: never stored by a browser or proxy.
        patch_cache_control(response, private=True, no_store=True)
    return response


def _export_version(request, slug, number=None):
    try:
        version = get_version_for_reading(request, slug, number)
    except PermissionDenied:
        return render_locked(request, slug)
    exported = policy_export_for(version=version, user=request.user, request=request)
    return _pdf_response(request, exported, public=version.is_public)


@require_safe
@rate_limited("pdf_export", key="ip")
@public_page(daily=True)  # an anonymous visitor's copy of a public PDF; the date is on every page
def policy_pdf(request, slug):
    """The current version of a policy as a dated PDF."""
    return _export_version(request, slug)


@require_safe
@rate_limited("pdf_export", key="ip")
@public_page(daily=True)  # an anonymous visitor's copy of a public PDF; the date is on every page
def policy_version_pdf(request, slug, number):
    """Any published version of a policy as a dated PDF."""
    return _export_version(request, slug, number)


@require_safe
@rate_limited("pdf_export", key="ip")
@public_page(daily=True)  # an anonymous visitor's copy of a public PDF; the date is on every page
def bundle_pdf(request):
    """Every public policy in one dated PDF, with a cover and a table of contents."""
    return _pdf_response(request, bundle_export(), public=True)
