"""The queue's own jobs: sending one email, and a job that does nothing (benchmarks, checks)."""

import hashlib
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskContext, task

from trustcenter.jobs.models import EmailStatus, OutgoingEmail
from trustcenter.jobs.retry import TransientError, retry_delay, retrying


def is_transient(exc: BaseException) -> bool:
    """Worth trying again later: the server was unreachable, timed out, or answered 4xx ("try
    later"). A 5xx answer (bad address, message refused) fails at once, except a refused login,
    which an operator can fix while the retries wait."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _message in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, OSError)  # connection refused or reset, timeouts, SMTPServerDisconnected


def message_id(key: str) -> str:
    """A Message-ID derived from the email's key, so a message can be found in the mail logs."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def _claim(email_id: int, job_id: str) -> OutgoingEmail | None:
    """Mark the email as being sent by this job, or return None when there is nothing to send."""
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status in (EmailStatus.SENT, EmailStatus.FAILED, EmailStatus.UNKNOWN):
            return None
        if email.status == EmailStatus.SENDING:
            if email.sending_job == job_id:
                # This job was sending when its worker died; the message may have gone out.
                # Sending it again could deliver it twice, so it is left for a person to check.
                email.status = EmailStatus.UNKNOWN
                email.last_error = (
                    "The worker stopped while handing this message to the mail server; it may have been "
                    f"delivered. Look for Message-ID {message_id(email.key)} in the mail server's log."
                )
                email.save(update_fields=["status", "last_error"])
            return None  # another job of the same email is sending it right now
        email.status = EmailStatus.SENDING
        email.sending_job = job_id
        email.attempts += 1
        email.save(update_fields=["status", "sending_job", "attempts"])
        return email


@task(takes_context=True, priority=10)
@retrying(TransientError)
def email_send(context: TaskContext, email_id: int, *, attempt: int = 1) -> str:
    """Send one queued email (trustcenter.jobs.services.email_queue) exactly once."""
    email = _claim(email_id, str(context.task_result.id))
    if email is None:
        return "nothing to send"
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body,
        from_email=email.from_email or None,
        to=email.to,
        headers={"Message-ID": message_id(email.key)},
        connection=get_connection(settings.EMAIL_DELIVERY_BACKEND),
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    try:
        message.send()
    except Exception as exc:
        transient = is_transient(exc) and retry_delay(attempt) is not None
        OutgoingEmail.objects.filter(pk=email.pk).update(
            status=EmailStatus.QUEUED if transient else EmailStatus.FAILED,
            sending_job="",
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        if transient:
            raise TransientError(f"{type(exc).__name__}: {exc}") from exc
        raise
    OutgoingEmail.objects.filter(pk=email.pk).update(status=EmailStatus.SENT, sent_at=timezone.now(), last_error="")
    return "sent"


@task()
def noop() -> None:
    """Does nothing: measures the queue itself (bench/queue.py)."""
