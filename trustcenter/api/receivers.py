"""Events of other apps reach webhooks and the engagement log through the audit log.

Every action other apps take writes an AuditEvent inside its own transaction; a receiver on
its creation turns the kinds listed in WebhookEvent into webhook messages (and the ones sales
care about into engagement events), in the same transaction. No other app imports this one.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from trustcenter.api.deliveries import webhook_messages_create
from trustcenter.api.services import engagement_record
from trustcenter.audit.models import AuditEvent


@receiver(post_save, sender=AuditEvent, dispatch_uid="api_audit_event_created")
def audit_event_created(sender, instance: AuditEvent, created: bool, raw: bool = False, **kwargs):
    if not created or raw:
        return
    webhook_messages_create(event=instance)
    engagement_record(event=instance)
