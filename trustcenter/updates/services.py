"""Subscriptions, consent evidence, objections and what a notice says.

Keyword-only services, each one transaction. Mail is enqueued after the commit.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from trustcenter.audit.services import audit_record
from trustcenter.lib import ratelimit
from trustcenter.updates.models import (
    Consent,
    Delivery,
    Objection,
    SubprocessorChange,
    Subscriber,
    Topic,
    new_key,
)
from trustcenter.updates.tasks import confirmation_send
from trustcenter.updates.tokens import confirm_load, confirm_token


def consent_text() -> str:
    """What a subscriber agrees to, in the active language; stored word for word as evidence."""
    return _(
        "I want to receive email updates from this trust center about the topics I chose. I can change "
        "them or unsubscribe at any time with the link in every email. My address and this consent are "
        "stored as evidence and used for nothing else."
    )


def _address(request) -> str | None:
    if request is None:
        return None
    address = ratelimit.client_address(request)
    return str(address) if address is not None else None


def _clean_topics(topics) -> list[str]:
    chosen = [t for t in Topic.values if t in set(topics)]
    if not chosen:
        raise ValidationError(_("Choose at least one topic."), code="no_topics")
    return chosen


def subscription_request(*, email: str, topics: list[str], language: str, request=None) -> bool:
    """Mail a confirmation link to `email`. Nothing is stored until the link is followed.

    Returns False when the address asked too often (the caller must answer the same either
    way, so that nobody learns whether an address is subscribed).
    """
    email = email.strip().lower()
    topics = _clean_topics(topics)
    decision = ratelimit.hit(scope="subscribe_address", identity=email, rate=ratelimit.rate_for("subscribe_address"))
    if settings.RATELIMIT_ENABLED and not decision.allowed:
        return False
    token = confirm_token(
        email=email, topics=topics, language=language, requested_at=timezone.now().isoformat(), ip=_address(request)
    )
    url = f"{settings.SITE_URL}{reverse('updates:confirm', args=[token])}"
    transaction.on_commit(
        lambda: confirmation_send.enqueue(email=email, language=language, confirm_url=url, topics=topics)
    )
    return True


@transaction.atomic
def subscription_confirm(*, token: str, request=None) -> Subscriber:
    """Follow a confirmation link: subscribe (or re-subscribe, or change topics) with consent evidence.

    Raises signing.BadSignature / SignatureExpired for a bad, old or already used link.
    """
    data = confirm_load(token)
    now = timezone.now()
    requested_at = datetime.datetime.fromisoformat(data["at"])
    subscriber = Subscriber.objects.select_for_update().filter(email=data["e"]).first()
    last_change = subscriber and max(subscriber.confirmed_at, subscriber.unsubscribed_at or subscriber.confirmed_at)
    if last_change and last_change > requested_at:
        # Confirmed or unsubscribed since this link was sent: it was used, or is overtaken.
        raise signing.BadSignature("the confirmation link was already used")
    action = Consent.Action.SUBSCRIBED
    if subscriber is None:
        subscriber = Subscriber(email=data["e"], created_at=now, confirmed_at=now)
    elif subscriber.status == Subscriber.Status.ACTIVE:
        action = Consent.Action.CHANGED
    else:
        subscriber.key = new_key()  # links from before the unsubscription stay dead
    subscriber.status = Subscriber.Status.ACTIVE
    subscriber.unsubscribed_at = None
    subscriber.confirmed_at = now
    subscriber.language = data["l"]
    subscriber.set_topics(data["t"])
    subscriber.full_clean()
    subscriber.save()
    with translation.override(data["l"]):
        text = consent_text()
    Consent.objects.create(
        subscriber=subscriber,
        action=action,
        text=text,
        topics=subscriber.topics,
        language=data["l"],
        requested_at=requested_at,
        requested_ip=data["ip"],
        at=now,
        ip=_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:400] if request else "",
    )
    return subscriber


@transaction.atomic
def subscriber_update(*, subscriber: Subscriber, topics: list[str], language: str, request=None) -> Subscriber:
    """Change topics and language from the manage page (reached through the subscriber's own link)."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    subscriber.set_topics(_clean_topics(topics))
    if language in dict(settings.LANGUAGES):
        subscriber.language = language
    subscriber.full_clean()
    subscriber.save()
    _consent(subscriber, Consent.Action.CHANGED, request)
    return subscriber


def _consent(subscriber: Subscriber, action: str, request) -> None:
    now = timezone.now()
    Consent.objects.create(
        subscriber=subscriber,
        action=action,
        text=consent_text() if action != Consent.Action.UNSUBSCRIBED else "",
        topics=subscriber.topics,
        language=subscriber.language,
        at=now,
        ip=_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:400] if request else "",
    )


@transaction.atomic
def subscriber_unsubscribe(*, subscriber: Subscriber, request=None) -> Subscriber:
    """Stop all mail to this address at once. Idempotent."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.status == Subscriber.Status.UNSUBSCRIBED:
        return subscriber
    subscriber.status = Subscriber.Status.UNSUBSCRIBED
    subscriber.unsubscribed_at = timezone.now()
    subscriber.save(update_fields=["status", "unsubscribed_at"])
    _consent(subscriber, Consent.Action.UNSUBSCRIBED, request)
    return subscriber


@transaction.atomic
def account_subscription_save(*, user, topics: list[str], language: str, request=None) -> Subscriber | None:
    """A signed-in user with a verified address subscribes it (no second confirmation needed),
    changes topics, or (no topics) unsubscribes."""
    email = user.email.strip().lower()
    subscriber = Subscriber.objects.select_for_update().filter(email=email).first()
    if not topics:
        if subscriber is not None:
            subscriber_unsubscribe(subscriber=subscriber, request=request)
        return subscriber
    now = timezone.now()
    action = Consent.Action.CHANGED
    if subscriber is None:
        subscriber = Subscriber(email=email, created_at=now, confirmed_at=now)
        action = Consent.Action.SUBSCRIBED
    elif subscriber.status != Subscriber.Status.ACTIVE:
        subscriber.key = new_key()
        action = Consent.Action.SUBSCRIBED
    subscriber.status = Subscriber.Status.ACTIVE
    subscriber.unsubscribed_at = None
    subscriber.user = user
    subscriber.set_topics(_clean_topics(topics))
    if language in dict(settings.LANGUAGES):
        subscriber.language = language
    subscriber.full_clean()
    subscriber.save()
    _consent(subscriber, action, request)
    return subscriber


def subscriber_export(*, subscriber: Subscriber, actor, request=None) -> dict:
    """Everything stored about one subscriber, for a data subject request (audited)."""
    data = {
        "email": subscriber.email,
        "status": subscriber.status,
        "language": subscriber.language,
        "topics": subscriber.topics,
        "created_at": subscriber.created_at.isoformat(),
        "confirmed_at": subscriber.confirmed_at.isoformat(),
        "unsubscribed_at": subscriber.unsubscribed_at.isoformat() if subscriber.unsubscribed_at else None,
        "account": subscriber.user.email if subscriber.user_id else None,
        "consents": [
            {
                "action": c.action,
                "text": c.text,
                "topics": c.topics,
                "language": c.language,
                "requested_at": c.requested_at.isoformat() if c.requested_at else None,
                "requested_ip": c.requested_ip,
                "at": c.at.isoformat(),
                "ip": c.ip,
                "user_agent": c.user_agent,
            }
            for c in subscriber.consents.all()
        ],
        "deliveries": [
            {"notice": d.notice_id, "status": d.status, "sent_at": d.sent_at.isoformat() if d.sent_at else None}
            for d in subscriber.notice_deliveries()
        ],
    }
    audit_record(
        kind="subscriber.exported", actor=actor, request=request, subject=f"subscriber:{subscriber.pk}",
        data={"email": subscriber.email},
    )  # fmt: skip
    return data


@transaction.atomic
def subscriber_delete(*, subscriber: Subscriber, actor, request=None) -> None:
    """Erase a subscriber: the row, its consents and the addresses in its delivery records (audited)."""

    email = subscriber.email
    Delivery.objects.filter(email=email).delete()
    subscriber.delete()
    audit_record(kind="subscriber.deleted", actor=actor, request=request, subject=f"subscriber:{email}")


# Subprocessor objections -----------------------------------------------------------------


def objection_create(*, change: SubprocessorChange, user, organization, reason: str, request=None) -> Objection:
    """A customer organization objects to a change before it takes effect (audited)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why your organization objects."), code="no_reason")
    if not change.objection_open(timezone.localdate()):
        raise ValidationError(_("This change took effect; objections are closed."), code="closed")
    with transaction.atomic():
        objection = Objection(
            change=change,
            organization=organization,
            user=user,
            reason=reason,
            created_at=timezone.now(),
            ip=_address(request),
        )
        objection.full_clean(exclude=["change", "organization", "user"])
        try:
            with transaction.atomic():
                objection.save()
        except IntegrityError:
            raise ValidationError(
                _("Your organization has already objected to this change."), code="duplicate"
            ) from None
        audit_record(
            kind="subprocessor.objected",
            actor=user,
            request=request,
            subject=f"subprocessor_change:{change.pk}",
            data={"organization": organization.name, "subprocessor": change.name, "kind": change.kind,
                  "reason": reason},
        )  # fmt: skip
    return objection
