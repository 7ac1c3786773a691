"""Background jobs of the updates app (django-tasks): notices to subscribers, confirmation mail.

A notice is mailed in two steps. `notice_send` lists its recipients once, as Delivery rows
(unique per notice and address, so listing twice adds nobody twice), then enqueues one
`notice_send_batch` per UPDATES_MAIL_BATCH_SIZE rows. A batch claims its rows (PENDING to
SENDING in one UPDATE, so two workers can never both send one), sends them over one SMTP
connection and marks them SENT. When the mail server fails, the rows not yet handed over go
back to PENDING and the batch is enqueued again, up to UPDATES_MAIL_MAX_ATTEMPTS times, later
each time when the queue can defer work.
"""

import datetime
import logging
import secrets
import smtplib

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from trustcenter.updates.mail import confirmation_message, notice_data, notice_message
from trustcenter.updates.models import Delivery, Notice, Subscriber

logger = logging.getLogger(__name__)


@task
def confirmation_send(*, email: str, language: str, confirm_url: str, topics: list[str]) -> None:
    """The double opt-in message. Not retried: the person can simply ask again."""
    confirmation_message(email=email, language=language, confirm_url=confirm_url, topics=topics).send()


@task
def notice_send(*, notice_id: int) -> int:
    """List the notice's recipients (active subscribers of its topic) and enqueue their batches."""
    notice = Notice.objects.filter(pk=notice_id).first()
    if notice is None:
        return 0
    with transaction.atomic():
        if notice.recipients_listed_at is None:
            recipients = Subscriber.objects.for_topic(notice.topic).values_list("pk", "email")
            Delivery.objects.bulk_create(
                (Delivery(notice=notice, subscriber_id=pk, email=email) for pk, email in recipients.iterator()),
                batch_size=1000,
                ignore_conflicts=True,
            )
            Notice.objects.filter(pk=notice.pk).update(recipients_listed_at=timezone.now())
        pending = list(
            Delivery.objects.filter(notice=notice, status=Delivery.Status.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        size = settings.UPDATES_MAIL_BATCH_SIZE
        batches = [pending[i : i + size] for i in range(0, len(pending), size)]
        for batch in batches:
            transaction.on_commit(
                lambda batch=batch: notice_send_batch.enqueue(notice_id=notice_id, delivery_ids=batch, attempt=1)
            )
    return len(pending)


def _retry(*, notice_id: int, delivery_ids: list[int], attempt: int) -> None:
    if attempt >= settings.UPDATES_MAIL_MAX_ATTEMPTS:
        Delivery.objects.filter(pk__in=delivery_ids, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.FAILED
        )
        logger.error("notice %s: %d messages failed after %d attempts", notice_id, len(delivery_ids), attempt)
        return
    later = notice_send_batch
    if later.get_backend().supports_defer:
        delay = settings.UPDATES_MAIL_RETRY_SECONDS * 2 ** (attempt - 1)
        later = later.using(run_after=timezone.now() + datetime.timedelta(seconds=delay))
    later.enqueue(notice_id=notice_id, delivery_ids=delivery_ids, attempt=attempt + 1)


@task
def notice_send_batch(*, notice_id: int, delivery_ids: list[int], attempt: int = 1) -> int:
    """Send one batch; return how many messages the mail server accepted."""
    claim = secrets.token_hex(8)
    Delivery.objects.filter(pk__in=delivery_ids, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SENDING, claim=claim, attempts=F("attempts") + 1
    )
    claimed = list(Delivery.objects.filter(claim=claim, status=Delivery.Status.SENDING).select_related("subscriber"))
    if not claimed:
        return 0
    # An address that unsubscribed after it was listed is not mailed.
    gone = [d.pk for d in claimed if d.subscriber is None or d.subscriber.status != Subscriber.Status.ACTIVE]
    if gone:
        Delivery.objects.filter(pk__in=gone).update(status=Delivery.Status.SKIPPED)
    claimed = [d for d in claimed if d.pk not in set(gone)]
    notice = Notice.objects.get(pk=notice_id)
    data = notice_data(notice)
    sent: list[Delivery] = []
    refused: list[Delivery] = []
    unsent = list(claimed)
    try:
        with get_connection() as connection:
            while unsent:
                delivery = unsent[0]
                message = notice_message(notice=notice, data=data, subscriber=delivery.subscriber)
                try:
                    connection.send_messages([message])
                except smtplib.SMTPRecipientsRefused as exc:
                    delivery.status, delivery.error = Delivery.Status.FAILED, str(exc)[:300]
                    refused.append(delivery)
                else:
                    delivery.status, delivery.sent_at = Delivery.Status.SENT, timezone.now()
                    delivery.message_id = message.extra_headers["Message-ID"]
                    sent.append(delivery)
                unsent.pop(0)
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("notice %s: mail server failed after %d messages (%s); retrying", notice_id, len(sent), exc)
    finally:
        Delivery.objects.bulk_update(sent + refused, ["status", "sent_at", "message_id", "error"], batch_size=500)
    if unsent:
        ids = [d.pk for d in unsent]
        Delivery.objects.filter(pk__in=ids).update(status=Delivery.Status.PENDING, claim="")
        _retry(notice_id=notice_id, delivery_ids=ids, attempt=attempt)
    return len(sent)
