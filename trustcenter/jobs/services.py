"""Queueing emails. Every email the app sends goes through `email_queue`."""

from django.db import transaction

from trustcenter.jobs.models import OutgoingEmail
from trustcenter.jobs.tasks import email_send


def email_queue(
    *, key: str, to: list[str], subject: str, body: str, html_body: str = "", from_email: str = ""
) -> OutgoingEmail | None:
    """Queue one email, sent by a worker once the current transaction commits.

    `key` names the message ("access-approved:42"); queueing the same key again does nothing,
    so a repeated job or a double click never mails twice. Returns None when `to` is empty."""
    to = [address for address in to if address]
    if not to:
        return None
    with transaction.atomic():
        email, created = OutgoingEmail.objects.get_or_create(
            key=key[:200],
            defaults={
                "to": to,
                "subject": " ".join(subject.splitlines())[:300],
                "body": body,
                "html_body": html_body,
                "from_email": from_email,
            },
        )
        if created:
            transaction.on_commit(lambda: email_send.enqueue(email.pk))
    return email
