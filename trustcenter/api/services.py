"""Multi-step actions of the API app: tokens, webhook endpoints and deliveries, engagement."""

import datetime
import secrets
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trustcenter.access.models import AccessRequest, organization_for
from trustcenter.api import webhooks
from trustcenter.api.models import (
    ApiToken,
    EngagementEvent,
    PageViewCount,
    Scope,
    WebhookEndpoint,
    WebhookEvent,
    token_digest,
)
from trustcenter.audit.services import audit_record

TOKEN_PREFIX = "tc_"  # noqa: S105 - a prefix, not a secret


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
