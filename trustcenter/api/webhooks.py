"""Signing webhook messages (Standard Webhooks) and sending them only to addresses we may reach.

Signing follows https://www.standardwebhooks.com/: the secret is `whsec_` + base64 of the
key; the signature is base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>")), sent as
`webhook-signature: v1,<signature>` with `webhook-id` and `webhook-timestamp`, so receivers
can verify with any of the spec's libraries.

The receiver's host name is resolved once, every address it resolves to is checked, and the
connection goes to the checked address (TLS still verifies the certificate for the name).
A second lookup, which DNS rebinding would answer differently, never happens.
"""

import base64
import hashlib
import hmac
import http.client
import ipaddress
import secrets
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
EXCERPT_CHARS = 500


def secret_generate() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(*, secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """The `webhook-signature` header value for one attempt."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class UnsafeTarget(Exception):  # noqa: N818 - reads as what it is
    """The URL may not be called: a message a person can act on."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    ip: str


def _blocked(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # Anything not globally routable: loopback, private ranges, link-local (cloud metadata at
    # 169.254.169.254), carrier-grade NAT, multicast, reserved and unspecified addresses.
    return not ip.is_global or ip.is_multicast


def url_check(url: str) -> tuple[str, str, int, str]:
    """Check the form of a webhook URL; return (scheme, host, port, path). Raises UnsafeTarget."""
    parts = urlsplit(url.strip())
    allowed = ("https", "http") if settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS else ("https",)
    if parts.scheme not in allowed:
        raise UnsafeTarget(_("The address must start with https://."))
    if not parts.hostname:
        raise UnsafeTarget(_("The address has no host name."))
    if parts.username or parts.password:
        raise UnsafeTarget(_("The address must not contain a user name or password."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeTarget(_("The address has an invalid port.")) from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port, path


def resolve(url: str) -> Target:
    """Resolve the URL's host once and check every address; raises UnsafeTarget."""
    scheme, host, port, path = url_check(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeTarget(_("The host name %(host)s does not resolve.") % {"host": host}) from None
    addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
    if not addresses:
        raise UnsafeTarget(_("The host name %(host)s does not resolve.") % {"host": host})
    if not settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        for address in addresses:
            if _blocked(address):
                raise UnsafeTarget(
                    _("%(host)s resolves to %(ip)s, a private, loopback or link-local address; webhooks only go to "
                      "public addresses.") % {"host": host, "ip": address}
                )  # fmt: skip
    return Target(scheme=scheme, host=host, port=port, path=path, ip=str(addresses[0]))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address that was already checked, whatever the name resolves to now."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self.pinned_ip = target.ip

    def connect(self):
        self.sock = socket.create_connection((self.pinned_ip, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float):
        self.tls_context = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self.tls_context)
        self.pinned_ip = target.ip

    def connect(self):
        sock = socket.create_connection((self.pinned_ip, self.port), self.timeout)
        self.sock = self.tls_context.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class Response:
    status: int | None
    excerpt: str
    milliseconds: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(*, url: str, body: str, headers: dict[str, str]) -> Response:
    """POST `body` to `url` (redirects are not followed); never raises for network trouble."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = resolve(url)
    except UnsafeTarget as exc:
        return Response(None, "", elapsed(), str(exc))
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    try:
        connection.request(
            "POST",
            target.path,
            body=body.encode(),
            headers={"Content-Type": "application/json", "User-Agent": "TrustCenter-Webhooks/1", **headers},
        )
        response = connection.getresponse()
        excerpt = response.read(EXCERPT_CHARS * 4).decode("utf-8", "replace")[:EXCERPT_CHARS]
        return Response(response.status, excerpt, elapsed())
    except (OSError, http.client.HTTPException) as exc:
        return Response(None, "", elapsed(), f"{type(exc).__name__}: {exc}"[:300])
    finally:
        connection.close()
