"""The one check for addresses a request asks to be sent on to (`?next=`, a remembered page)."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, target: str | None, *, default: str) -> str:
    """`target` when it stays on this site, otherwise `default`.

    "On this site": a path, or an address on the request's own host; and when the request
    came over HTTPS, never a plain-HTTP address (as Django's own LoginView decides).
    Anything else (another host, `//host`, `/\\host`, `javascript:`) gives `default`.
    """
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
