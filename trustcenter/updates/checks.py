from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@checks.register(checks.Tags.security, deploy=True)
def unsubscribe_links_use_https(app_configs, **kwargs):
    """RFC 8058: the one-click unsubscribe URL in List-Unsubscribe must be https.

    A loopback SITE_URL (the default) is a site not yet given its address, not a plain-http one.
    """
    parts = urlsplit(settings.SITE_URL)
    if parts.scheme == "https" or parts.hostname in _LOOPBACK:
        return []
    return [
        checks.Warning(
            "SITE_URL does not start with https://, so update emails carry a List-Unsubscribe link that "
            "mail providers will not offer as one-click unsubscribe (RFC 8058).",
            hint="Set SITE_URL to the https:// address of the trust center.",
            id="updates.W001",
        )
    ]
