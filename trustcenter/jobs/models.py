"""What the queue itself needs to be reliable: which workers are alive, and which emails went out.

The jobs themselves are rows of django-tasks-db (`DBTaskResult`); nothing here copies them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """A running `jobs_worker` process. It writes `last_seen` every few seconds; a worker that
    stopped writing (killed, out of memory, machine gone) has its running jobs put back."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.worker_id


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    # The worker stopped between handing the message to the mail server and recording the
    # answer: it may or may not have gone out, and sending it again could send it twice.
    UNKNOWN = "unknown", _("Unknown (worker stopped while sending)")


class OutgoingEmail(models.Model):
    """One email to send, written in the same transaction as the change it reports.

    `key` names the message (an access decision, an invitation, ...); it is unique, so the
    same message is never queued twice, and the send job moves the row through
    queued -> sending -> sent, so a repeated job never sends it twice."""

    key = models.CharField(max_length=200, unique=True)
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    from_email = models.CharField(max_length=254, blank=True)
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # The job (task result id) that moved the row to "sending".
    sending_job = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return self.key
