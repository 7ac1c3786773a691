"""Webhook deliveries: a message per endpoint for each audit event it wants, its attempts, and
the job that makes each attempt.

The job lives here with the code it runs because each depends on the other: a failed attempt
enqueues the next one, and the job makes the attempt. Kept apart from services.py, which
this module reads and which never reads it.
"""

import datetime
import json

from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from trustcenter.api import webhooks
from trustcenter.api.models import (
    AttemptStatus,
    MessageStatus,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookEvent,
    WebhookMessage,
)
from trustcenter.api.services import is_api_user
from trustcenter.audit.services import audit_record

# Wait after failed attempt n (1-based) before attempt n + 1: four times longer each time,
# at most 12 hours, 8 attempts over about 23.4 hours. Then the message has failed for a day.
RETRY_DELAYS = [datetime.timedelta(seconds=30 * 4**n) for n in range(6)] + [datetime.timedelta(hours=12)]


@task()
def webhook_attempt_run(*, attempt_id: int) -> str:
    """Deliver one scheduled webhook attempt (the next one is enqueued after a failure)."""
    return webhook_attempt_deliver(attempt_id=attempt_id)


def _enqueue(attempt: WebhookAttempt) -> None:
    """Run `attempt` through the queue once this transaction commits, not before it is due."""
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
