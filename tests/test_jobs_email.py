"""Every email goes through the queue: the app's own (with a key naming each message) and
those Django and allauth send through EMAIL_BACKEND (the queued backend in production)."""

import pytest
from django.core import mail
from django.urls import reverse

from trustcenter.jobs.models import EmailStatus, OutgoingEmail

pytestmark = pytest.mark.django_db


def test_allauth_mail_is_queued_and_sent_by_the_email_job(
    client, published, prospect, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "trustcenter.jobs.mail.QueuedEmailBackend"
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        client.post(reverse("account_reset_password"), {"email": prospect.email})
    queued = OutgoingEmail.objects.get()
    assert queued.status == EmailStatus.QUEUED and queued.to == [prospect.email] and mail.outbox == []
    for job in jobs:  # the worker sends it
        job()
    queued.refresh_from_db()
    assert queued.status == EmailStatus.SENT and queued.attempts == 1
    assert len(mail.outbox) == 1 and "/accounts/password/reset/key/" in mail.outbox[0].body
    assert mail.outbox[0].extra_headers["Message-ID"].endswith("@localhost>")


def test_an_access_decision_mail_is_written_with_the_decision(
    client, pending_requester, sales, django_capture_on_commit_callbacks
):
    from trustcenter.access.models import AccessRequest

    access_request = AccessRequest.objects.get(user=pending_requester)
    client.force_login(sales)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/staff/access/requests/{access_request.pk}/deny/", {"reason": "Not a customer"})
    email = OutgoingEmail.objects.get(key=f"access-denied:{access_request.pk}")
    assert email.status == EmailStatus.SENT and email.to == [pending_requester.email]
    assert [m.to for m in mail.outbox] == [[pending_requester.email]]


def test_a_message_the_queue_cannot_carry_is_refused_not_trimmed(settings):
    from django.core.mail import EmailMessage

    settings.EMAIL_BACKEND = "trustcenter.jobs.mail.QueuedEmailBackend"
    with pytest.raises(ValueError, match="no cc, bcc"):
        EmailMessage("S", "B", to=["a@example.com"], bcc=["b@example.com"]).send()
    assert not OutgoingEmail.objects.exists()
