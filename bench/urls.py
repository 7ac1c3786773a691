"""The app's URLs plus the ceiling view: the same bytes as a real page, from memory."""

import os
from pathlib import Path

from django.http import Http404, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_safe

_TYPES = {".html": "text/html; charset=utf-8", ".pdf": "application/pdf"}


def _load() -> dict[str, tuple[bytes, str]]:
    folder = os.environ.get("BENCH_BYTES_DIR")
    if not folder:
        return {}
    return {p.name: (p.read_bytes(), _TYPES.get(p.suffix, "application/octet-stream")) for p in Path(folder).iterdir()}


_BODIES = _load()


@require_safe
def ceiling(request, name):
    try:
        body, content_type = _BODIES[name]
    except KeyError:
        raise Http404(name) from None
    return HttpResponse(body, content_type=content_type)


urlpatterns = [
    path("__bench__/bytes/<str:name>", ceiling),
    path("", include("trustcenter.urls")),
]
