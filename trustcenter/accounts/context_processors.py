from django.conf import settings


def account(request):
    """`header_user`: the signed-in user, or None without even opening the session when there is no cookie.

    The header shows sign-in links on every page; reading `user` would load the session and
    add `Vary: Cookie`, making anonymous public pages uncacheable.
    """
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return {"header_user": None}
    return {"header_user": getattr(request, "user", None)}
