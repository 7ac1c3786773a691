"""URLs for tests of the public page cache: the real site plus views that must never be cached."""

from django.contrib import messages
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import include, path

from trustcenter.lib.pagecache import public_page

CALLS = {"count": 0}


def _counted(text: str) -> HttpResponse:
    CALLS["count"] += 1
    return HttpResponse(f"{text} {CALLS['count']}")


@public_page
def sets_cookie(request):
    response = _counted("cookie")
    response.set_cookie("tracking", "1")
    return response


@public_page
def uses_csrf_token(request):
    get_token(request)
    return _counted("csrf")


@public_page
def adds_message(request):
    messages.info(request, "Saved")
    return _counted("message")


@public_page
def reads_session(request):
    request.session.get("anything")
    return _counted("session")


@public_page
def private(request):
    response = _counted("private")
    response["Cache-Control"] = "private"
    return response


@public_page
def not_found(request):
    CALLS["count"] += 1
    return HttpResponse("gone", status=404)


urlpatterns = [
    path("t/cookie/", sets_cookie),
    path("t/csrf/", uses_csrf_token),
    path("t/message/", adds_message),
    path("t/session/", reads_session),
    path("t/private/", private),
    path("t/404/", not_found),
    path("", include("trustcenter.urls")),
]
