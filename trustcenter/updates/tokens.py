"""Signed links in update emails (django.core.signing, with the SECRET_KEY).

- A confirmation link carries the whole request (address, topics, language, when and from
  where it was asked), so nothing about an address is stored before its owner confirms. It
  expires after UPDATES_CONFIRM_HOURS.
- A subscriber link (manage preferences, one-click unsubscribe) names the subscriber and its
  current `key`; it does not expire, since RFC 8058 wants unsubscribe links in old mail to
  work, and it dies when the key is replaced (re-subscription, deletion).
"""

from django.conf import settings
from django.core import signing

from trustcenter.updates.models import Subscriber

CONFIRM_SALT = "trustcenter.updates.confirm"
SUBSCRIBER_SALT = "trustcenter.updates.subscriber"


def confirm_token(*, email: str, topics: list[str], language: str, requested_at: str, ip: str | None) -> str:
    return signing.dumps(
        {"e": email, "t": topics, "l": language, "at": requested_at, "ip": ip}, salt=CONFIRM_SALT, compress=True
    )


def confirm_load(token: str) -> dict:
    """The request a confirmation link carries; raises signing.BadSignature (or SignatureExpired)."""
    return signing.loads(token, salt=CONFIRM_SALT, max_age=settings.UPDATES_CONFIRM_HOURS * 3600)


def subscriber_token(subscriber) -> str:
    return signing.dumps([subscriber.pk, subscriber.key], salt=SUBSCRIBER_SALT)


def subscriber_load(token: str):
    """The subscriber a manage or unsubscribe link names, or None for a bad or retired link."""

    try:
        pk, key = signing.loads(token, salt=SUBSCRIBER_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return Subscriber.objects.filter(pk=pk, key=key).first()
