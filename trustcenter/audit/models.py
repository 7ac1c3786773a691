"""The audit log: append-only, each row chained to the one before by a keyed hash (HMAC).

Rows are written only by `trustcenter.audit.services.audit_record`. The app never updates
or deletes one: `save()` refuses an existing row, and the QuerySet refuses bulk updates and
deletes. Someone with direct database access can still change a row; `manage.py
verify_audit` then finds it, because every row's hash covers its content and the hash of
the row before it, under a key the database does not hold (trustcenter/audit/chain.py),
and signed checkpoints outside the database show where the chain ended
(trustcenter/audit/checkpoints.py).
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from trustcenter.audit import chain
from trustcenter.audit.chain import GENESIS_HASH

__all__ = ["GENESIS_HASH", "AppendOnlyError", "AuditEvent"]


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit row."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events are never updated")

    def delete(self):
        raise AppendOnlyError("audit events are never deleted")

    def _raw_delete(self, using):
        raise AppendOnlyError("audit events are never deleted")


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(_("sequence"), unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    # PROTECT: an account that appears in the audit log is deactivated, never deleted, or the
    # evidence would lose its actor (and changing actor_id would break the chain).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("actor"),
    )
    actor_email = models.CharField(_("actor email"), max_length=254, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("time (UTC)"), db_index=True, editable=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, unique=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        constraints = [
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_event_seq_positive"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit events are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are never deleted")

    def compute_hash(self) -> str:
        """This row's keyed hash: HMAC-SHA256 of its fields and the previous row's hash."""
        return chain.event_hash(self)
