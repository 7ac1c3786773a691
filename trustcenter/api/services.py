"""Multi-step actions of the API app: tokens, webhook endpoints and deliveries, engagement."""

import datetime
import json
import secrets
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from trustcenter.access.models import AccessRequest, organization_for
from trustcenter.api import webhooks
from trustcenter.api.models import (
    ApiToken,
    AttemptStatus,
    EngagementEvent,
    MessageStatus,
    PageViewCount,
    Scope,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookEvent,
    WebhookMessage,
    token_digest,
)
from trustcenter.audit.services import audit_record

TOKEN_PREFIX = "tc_"  # noqa: S105 - a prefix, not a secret
# Wait after failed attempt n (1-based) before attempt n + 1: four times longer each time,
# at most 12 hours, 8 attempts over about 23.4 hours. Then the message has failed for a day.
RETRY_DELAYS = [datetime.timedelta(seconds=30 * 4**n) for n in range(6)] + [datetime.timedelta(hours=12)]


def is_api_user(user) -> bool:
    """Who may hold and use tokens and webhooks: staff (sales, security admins, superusers) with an
    authenticator app, asked again at every use. A token is used without a sign-in, so MFA asserted
    by a single sign-on provider for one session cannot count; the account's own TOTP does."""
    from allauth.mfa.utils import is_mfa_enabled

    return bool(
        user is not None and user.is_authenticated and user.has_staff_role and is_mfa_enabled(user, types=["totp"])
    )


# Tokens ------------------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, user, name: str, scopes: list[str], days: int, request=None) -> tuple[ApiToken, str]:
    """Create a personal token; return it with the plain token, which is never stored or shown again."""
    if not is_api_user(user):
        raise ValidationError(_("Tokens need a staff role and an authenticator app (TOTP) on your account."))
    scopes = sorted(set(scopes))
    if not scopes or any(scope not in Scope.values for scope in scopes):
        raise ValidationError(_("Choose at least one scope."))
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError(_("A token lasts between 1 and %(max)d days.") % {"max": settings.API_TOKEN_MAX_DAYS})
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken(
        user=user,
        name=name.strip(),
        scopes=scopes,
        prefix=plain[:10],
        token_hash=token_digest(plain),
        created_at=now,
        expires_at=now + datetime.timedelta(days=days),
    )
    token.full_clean()
    token.save()
    audit_record(
        kind="api.token_created",
        actor=user,
        request=request,
        subject=f"api_token:{token.pk}",
        data={"name": token.name, "scopes": scopes, "expires_at": token.expires_at},
    )
    return token, plain


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor, request=None) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            kind="api.token_revoked", actor=actor, request=request, subject=f"api_token:{token.pk}",
            data={"name": token.name},
        )  # fmt: skip
    return token


# Webhook endpoints -------------------------------------------------------------------------


@transaction.atomic
def webhook_endpoint_create(*, owner, url: str, events: list[str], description: str = "", request=None):
    """Register an endpoint. Its address is checked now (and again before every delivery)."""
    if not is_api_user(owner):
        raise ValidationError(_("Webhooks need a staff role and an authenticator app (TOTP) on your account."))
    events = sorted(set(events))
    if not events or any(event not in WebhookEvent.values for event in events):
        raise ValidationError(_("Choose at least one event."))
    try:
        webhooks.resolve(url)
    except webhooks.UnsafeTarget as exc:
        raise ValidationError({"url": str(exc)}) from None
    endpoint = WebhookEndpoint(
        owner=owner, url=url.strip(), events=events, description=description.strip(), secret=webhooks.secret_generate()
    )
    endpoint.full_clean()
    endpoint.save()
    audit_record(
        kind="webhook.endpoint_created", actor=owner, request=request, subject=f"webhook_endpoint:{endpoint.pk}",
        data={"url": endpoint.url, "events": events},
    )  # fmt: skip
    return endpoint


@transaction.atomic
def webhook_endpoint_set_enabled(*, endpoint: WebhookEndpoint, enabled: bool, actor, request=None) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.enabled = enabled
    endpoint.disabled_reason = "" if enabled else _("Disabled by %(email)s.") % {"email": actor.email}
    endpoint.save(update_fields=["enabled", "disabled_reason"])
    audit_record(
        kind="webhook.endpoint_enabled" if enabled else "webhook.endpoint_disabled",
        actor=actor, request=request, subject=f"webhook_endpoint:{endpoint.pk}", data={"url": endpoint.url},
    )  # fmt: skip
    return endpoint


# Messages and deliveries -------------------------------------------------------------------


def _enqueue(attempt: WebhookAttempt) -> None:
    """Run `attempt` through the queue once this transaction commits, not before it is due."""
    from trustcenter.api.tasks import webhook_attempt_run

    task = webhook_attempt_run
    # A backend without deferred tasks (the immediate one, for development and tests) runs
    # retries straight away; the schedule is still recorded on the attempt.
    if attempt.scheduled_for > timezone.now() and task.get_backend().supports_defer:
        task = task.using(run_after=attempt.scheduled_for)
    attempt_id = attempt.pk
    transaction.on_commit(lambda: task.enqueue(attempt_id=attempt_id))


def event_payload(event) -> dict:
    """The body of a webhook for one audit event (Standard Webhooks: type, timestamp, data)."""
    return {
        "type": event.kind,
        "timestamp": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": {"audit_seq": event.seq, "subject": event.subject, "actor": event.actor_email, **event.data},
    }


def webhook_messages_create(*, event) -> list[WebhookMessage]:
    """One message per enabled endpoint that wants this audit event's kind. Runs inside the
    transaction that records the event, so an action rolled back sends nothing."""
    if event.kind not in WebhookEvent.values:
        return []
    body = json.dumps(event_payload(event), cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    messages = []
    for endpoint in WebhookEndpoint.objects.filter(enabled=True).select_related("owner"):
        # An endpoint gets no more than its owner could read today.
        if event.kind not in endpoint.events or not is_api_user(endpoint.owner):
            continue
        message = WebhookMessage.objects.create(endpoint=endpoint, event_type=event.kind, body=body)
        attempt = WebhookAttempt.objects.create(message=message, number=1, scheduled_for=timezone.now())
        _enqueue(attempt)
        messages.append(message)
    return messages


def webhook_attempt_deliver(*, attempt_id: int) -> str:
    """Make one delivery attempt and record it; schedule the next one after a failure, or give
    up after a day and disable the endpoint. Returns the attempt's status. Safe to run twice."""
    with transaction.atomic():
        attempt = (
            WebhookAttempt.objects.select_for_update()
            .select_related("message__endpoint")
            .filter(pk=attempt_id, status=AttemptStatus.SCHEDULED, started_at__isnull=True)
            .first()
        )
        if attempt is None:
            return "skipped"
        attempt.started_at = timezone.now()
        attempt.save(update_fields=["started_at"])
    message = attempt.message
    endpoint = message.endpoint
    if not endpoint.enabled and not attempt.manual:
        response = webhooks.Response(None, "", 0, _("The endpoint is disabled."))
    else:
        timestamp = int(timezone.now().timestamp())
        headers = {
            "webhook-id": message.msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": webhooks.sign(
                secret=endpoint.secret, msg_id=message.msg_id, timestamp=timestamp, body=message.body
            ),
        }
        response = webhooks.post(url=endpoint.url, body=message.body, headers=headers)
    with transaction.atomic():
        attempt.status = AttemptStatus.SUCCEEDED if response.ok else AttemptStatus.FAILED
        attempt.response_status = response.status
        attempt.response_ms = response.milliseconds
        attempt.response_excerpt = response.excerpt
        attempt.error = response.error[:300]
        attempt.save()
        if response.ok:
            WebhookMessage.objects.filter(pk=message.pk).update(status=MessageStatus.DELIVERED)
        elif not attempt.manual and endpoint.enabled:
            _after_failure(attempt)
    return attempt.status


def _after_failure(attempt: WebhookAttempt) -> None:
    message = attempt.message
    if attempt.number <= len(RETRY_DELAYS):
        following = WebhookAttempt.objects.create(
            message=message,
            number=attempt.number + 1,
            scheduled_for=timezone.now() + RETRY_DELAYS[attempt.number - 1],
        )
        _enqueue(following)
        return
    WebhookMessage.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED)
    _endpoint_give_up(endpoint=message.endpoint, message=message)


def _endpoint_give_up(*, endpoint: WebhookEndpoint, message: WebhookMessage) -> None:
    """A message failed for a day: stop sending to the endpoint and tell its owner."""
    endpoint = WebhookEndpoint.objects.select_for_update().select_related("owner").get(pk=endpoint.pk)
    if not endpoint.enabled:
        return
    endpoint.enabled = False
    endpoint.disabled_reason = _("Every attempt to deliver %(msg)s failed for a day.") % {"msg": message.msg_id}
    endpoint.save(update_fields=["enabled", "disabled_reason"])
    audit_record(
        kind="webhook.endpoint_disabled",
        subject=f"webhook_endpoint:{endpoint.pk}",
        data={"url": endpoint.url, "reason": endpoint.disabled_reason},
    )
    owner = endpoint.owner
    link = settings.SITE_URL + reverse("api:webhook_detail", args=[endpoint.pk])
    transaction.on_commit(
        lambda: send_mail(
            _("Webhook endpoint disabled: %(url)s") % {"url": endpoint.url},
            render_to_string("api/email/endpoint_disabled.txt", {"endpoint": endpoint, "link": link}),
            None,
            [owner.email],
        )
    )


@transaction.atomic
def webhook_message_resend(*, message: WebhookMessage, actor, request=None) -> WebhookAttempt:
    """Send a message again now, outside the retry schedule (also to a disabled endpoint, to test it)."""
    message = WebhookMessage.objects.select_for_update().get(pk=message.pk)
    last = message.attempts.order_by("-number").first()
    attempt = WebhookAttempt.objects.create(
        message=message, number=(last.number + 1) if last else 1, scheduled_for=timezone.now(), manual=True
    )
    audit_record(
        kind="webhook.message_resent", actor=actor, request=request, subject=f"webhook_message:{message.msg_id}",
        data={"url": message.endpoint.url, "event": message.event_type},
    )  # fmt: skip
    _enqueue(attempt)
    return attempt


# Engagement --------------------------------------------------------------------------------

# Audit kinds that sales see per organization and account, and whose account they describe:
# the actor, or for staff decisions the requester named in the event.
ENGAGEMENT_KINDS = {
    "nda.signed": "actor",
    "access.requested": "actor",
    "access.approved": "data.user",
    "access.denied": "data.user",
    "access.revoked": "data.user",
    "document.downloaded": "actor",
    "invitation.sent": "data.email",
    "invitation.accepted": "actor",
}


def engagement_record(*, event) -> None:
    """Copy an audit event sales care about into the engagement log (which, unlike the audit
    log, is purged after ENGAGEMENT_RETENTION_MONTHS)."""
    from django.contrib.auth import get_user_model

    who = ENGAGEMENT_KINDS.get(event.kind)
    if who is None:
        return
    user = event.actor
    email = event.actor_email
    if who != "actor":
        email = str(event.data.get(who.removeprefix("data."), ""))
        user = get_user_model().objects.filter(email__iexact=email).first() if email else None
    if user is not None and getattr(user, "needs_mfa", False) and event.kind != "invitation.sent":
        return  # staff reading their own site is not engagement
    detail = {k: v for k, v in event.data.items() if k in ("download_id", "document", "nda_version", "days", "reason")}
    if event.kind in ("access.approved", "access.denied") and event.subject.startswith("access_request:"):
        request = AccessRequest.objects.filter(pk=event.subject.split(":", 1)[1]).first()
        if request is not None and request.decided_at:
            detail["hours_to_decision"] = round((request.decided_at - request.created_at).total_seconds() / 3600, 1)
    # Invitees usually have no account yet: their address alone says which organization they are from.
    organization = organization_for(user if user is not None else SimpleNamespace(email=email))
    EngagementEvent.objects.create(
        kind=event.kind,
        user=user,
        email=email,
        organization=organization,
        subject=event.subject,
        detail=detail,
        created_at=event.created_at,
    )


def engagement_page_read(*, user, path: str, title: str) -> None:
    """A signed-in customer read a gated (NDA) page."""

    EngagementEvent.objects.create(
        kind="page.read", user=user, email=user.email, organization=organization_for(user), subject=path,
        detail={"title": title},
    )  # fmt: skip


def engagement_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete engagement events and page counts older than ENGAGEMENT_RETENTION_MONTHS; return how many."""

    now = now or timezone.now()
    months = settings.ENGAGEMENT_RETENTION_MONTHS
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    cutoff = now.replace(year=year, month=month + 1, day=min(now.day, 28))
    with transaction.atomic():
        events, _detail = EngagementEvent.objects.filter(created_at__lt=cutoff).delete()
        counts, _detail = PageViewCount.objects.filter(day__lt=cutoff.date()).delete()
    return events + counts
