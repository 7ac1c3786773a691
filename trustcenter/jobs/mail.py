"""An email backend that queues: every message Django or a library sends (allauth's
confirmations and password resets, `mail_admins`, ...) becomes an OutgoingEmail sent by a
worker through EMAIL_DELIVERY_BACKEND, so no request waits for the mail server."""

import uuid

from django.core.mail.backends.base import BaseEmailBackend
from django.utils.html import strip_tags

from trustcenter.jobs.services import email_queue


class QueuedEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            if message.cc or message.bcc or message.attachments or message.reply_to:
                # Nothing is dropped silently: the queue carries recipients, subject and bodies only.
                raise ValueError("Queued emails carry no cc, bcc, reply-to or attachments; use email_queue")
            html = next((content for content, kind in getattr(message, "alternatives", []) if kind == "text/html"), "")
            body = message.body
            if message.content_subtype == "html":
                html, body = body, strip_tags(body)
            email_queue(
                key=f"message:{uuid.uuid4().hex}",
                to=list(message.to),
                subject=message.subject,
                body=body,
                html_body=html,
                from_email=message.from_email or "",
            )
        return len(email_messages)
