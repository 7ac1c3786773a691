"""Personal API tokens, webhook endpoints with their messages and delivery attempts, and engagement counts."""

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    READ = "read", _("Read (requests, grants, audit log)")
    MANAGE_ACCESS = "manage_access", _("Manage access (approve, deny, revoke, invite)")
    QUESTIONNAIRES = "questionnaires", _("Questionnaires (upload, status, download)")


def token_digest(token: str) -> str:
    """SHA-256 of a token. Tokens carry 256 random bits, so a fast hash is enough: nobody can
    guess one, and a leaked table of digests gives nothing to try offline (unlike passwords,
    which are short and need a slow hash)."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    """A staff member's personal token. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    scopes = models.JSONField(_("scopes"), default=list)
    prefix = models.CharField(max_length=12, editable=False, help_text=_("The first characters, to recognise it."))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="api_token_expires_later")
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class WebhookEvent(models.TextChoices):
    ACCESS_REQUESTED = "access.requested", "access.requested"
    ACCESS_APPROVED = "access.approved", "access.approved"
    ACCESS_DENIED = "access.denied", "access.denied"
    ACCESS_REVOKED = "access.revoked", "access.revoked"
    NDA_SIGNED = "nda.signed", "nda.signed"
    DOCUMENT_DOWNLOADED = "document.downloaded", "document.downloaded"
    INVITATION_ACCEPTED = "invitation.accepted", "invitation.accepted"
    QUESTIONNAIRE_COMPLETED = "questionnaire.completed", "questionnaire.completed"


class WebhookEndpoint(models.Model):
    """An HTTPS address that receives signed events (Standard Webhooks)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    # `whsec_` + base64 of 32 random bytes; the receiver needs the same value to verify.
    secret = models.CharField(max_length=100, editable=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return self.url


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


def _message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


class WebhookMessage(models.Model):
    """One event for one endpoint. Its id and body stay the same on every attempt, so a receiver
    can recognise a retry (the `webhook-id` header)."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="messages")
    msg_id = models.CharField(max_length=40, unique=True, default=_message_id, editable=False)
    event_type = models.CharField(max_length=64, choices=WebhookEvent.choices)
    body = models.TextField(help_text="The exact JSON sent (and signed).")
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.msg_id} {self.event_type}"


class AttemptStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class WebhookAttempt(models.Model):
    """One try at delivering a message: when it was due, what the receiver answered."""

    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    scheduled_for = models.DateTimeField()
    status = models.CharField(max_length=10, choices=AttemptStatus.choices, default=AttemptStatus.SCHEDULED)
    started_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=300, blank=True)
    manual = models.BooleanField(default=False, help_text="Started by a person (resend), not by the retry schedule.")

    class Meta:
        ordering = ["message", "number"]
        constraints = [
            models.UniqueConstraint(fields=["message", "number"], name="webhook_attempt_unique_number"),
        ]

    def __str__(self):
        return f"{self.message.msg_id} #{self.number}"


class PageViewCount(models.Model):
    """Anonymous reading, only as a count per page and day: no IP address, no cookie, no person."""

    path = models.CharField(max_length=300)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "path"]
        constraints = [models.UniqueConstraint(fields=["path", "day"], name="page_view_count_unique")]

    def __str__(self):
        return f"{self.path} {self.day}: {self.count}"


class EngagementEvent(models.Model):
    """What a signed-in account did that sales care about, kept for ENGAGEMENT_RETENTION_MONTHS."""

    kind = models.CharField(max_length=40, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    email = models.CharField(max_length=254, blank=True)
    organization = models.ForeignKey(
        "access.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} {self.email} {self.created_at:%Y-%m-%d}"
