"""Webhooks: signed per Standard Webhooks, delivered to a real receiver, retried, never to private addresses."""

import datetime
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from standardwebhooks.webhooks import Webhook

from trustcenter.access.models import AccessRequest
from trustcenter.api import webhooks
from trustcenter.api.deliveries import RETRY_DELAYS, webhook_message_resend
from trustcenter.api.models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from trustcenter.api.services import api_token_create, webhook_endpoint_create


class Receiver:
    """A real HTTP server on loopback: answers with the scripted statuses, then 200, and
    verifies every request with the Standard Webhooks library."""

    def __init__(self):
        self.statuses: list[int] = []
        self.received: list[dict] = []
        self.secret = ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    payload = Webhook(receiver.secret).verify(body, headers)
                    verified = True
                except Exception:  # noqa: BLE001 - any failure means "not verified"
                    payload, verified = None, False
                receiver.received.append({"headers": headers, "payload": payload, "verified": verified})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"receiver says %d" % status)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/trust-center"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 5


@pytest.fixture
def endpoint(receiver, loopback_allowed, sales):
    created = webhook_endpoint_create(
        owner=sales, url=receiver.url, events=["access.approved", "access.denied", "nda.signed"]
    )
    receiver.secret = created.secret
    return created


def approve_by_api(client, sales, access_request, capture):
    _token, plain = api_token_create(user=sales, name="Ops", scopes=["manage_access"], days=1)
    with capture(execute=True):
        response = client.post(
            f"/api/v1/staff/access-requests/{access_request.pk}/approve",
            data="{}",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {plain}",
        )
    assert response.status_code == 200, response.content
    return response


def test_an_approval_reaches_the_receiver_signed_and_is_retried_after_a_500(
    client, published, pending_requester, sales, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [500]
    access_request = AccessRequest.objects.get(user=pending_requester)
    approve_by_api(client, sales, access_request, django_capture_on_commit_callbacks)

    assert len(receiver.received) == 2
    first, second = receiver.received
    assert first["verified"] and second["verified"]
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]  # the same message, retried
    assert first["headers"]["webhook-signature"].startswith("v1,")
    payload = second["payload"]
    assert payload["type"] == "access.approved"
    assert payload["data"]["user"] == pending_requester.email and payload["data"]["actor"] == sales.email
    message = WebhookMessage.objects.get()
    assert message.status == "delivered" and message.msg_id == first["headers"]["webhook-id"]
    failed, succeeded = message.attempts.order_by("number")
    assert (failed.status, failed.response_status, failed.response_excerpt) == ("failed", 500, "receiver says 500")
    assert succeeded.status == "succeeded" and succeeded.response_ms is not None
    # The retry was scheduled with the first back-off step (the immediate backend ran it at once).
    delay = succeeded.scheduled_for - failed.started_at
    assert RETRY_DELAYS[0] <= delay < RETRY_DELAYS[0] + datetime.timedelta(seconds=5)


def test_a_tampered_body_does_not_verify(endpoint):
    signature = webhooks.sign(secret=endpoint.secret, msg_id="msg_1", timestamp=1_700_000_000, body='{"a":1}')
    verifier = Webhook(endpoint.secret)
    headers = {"webhook-id": "msg_1", "webhook-timestamp": "1700000000", "webhook-signature": signature}
    with pytest.raises(Exception, match="(?i)timestamp|signature"):
        verifier.verify('{"a":2}', headers)
    assert endpoint.secret.startswith("whsec_")


def test_retries_are_enqueued_for_later_with_run_after(
    settings, endpoint, receiver, published, nda_signer, django_capture_on_commit_callbacks
):
    """On a queue that can defer (the database queue in production), a retry waits its turn."""
    from django_tasks import task_backends

    from trustcenter.audit.services import audit_record

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    receiver.statuses = [503]
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(kind="nda.signed", actor=nda_signer, subject="nda:1", data={"nda_version": 1})
    backend = task_backends["default"]
    first = backend.results[0]
    assert first.task.run_after is None
    with django_capture_on_commit_callbacks(execute=True):
        first.task.call(*first.args, **first.kwargs)  # what a worker does
    retry = backend.results[1]
    attempt = WebhookAttempt.objects.get(pk=retry.kwargs["attempt_id"])
    assert attempt.number == 2 and retry.task.run_after == attempt.scheduled_for
    assert RETRY_DELAYS[0] - datetime.timedelta(seconds=5) < attempt.scheduled_for - first.enqueued_at


def test_the_schedule_lasts_about_a_day():
    total = sum(RETRY_DELAYS, datetime.timedelta())
    assert datetime.timedelta(hours=20) < total <= datetime.timedelta(hours=24)
    assert all(later > earlier for earlier, later in zip(RETRY_DELAYS, RETRY_DELAYS[1:], strict=False))


def test_an_endpoint_failing_for_a_day_is_disabled_and_its_owner_told(
    published, nda_signer, sales, endpoint, receiver, mailoutbox, django_capture_on_commit_callbacks
):
    from trustcenter.audit.services import audit_record

    receiver.statuses = [500] * 20
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(kind="nda.signed", actor=nda_signer, subject="nda:1", data={"nda_version": 1})
    message = WebhookMessage.objects.get()
    assert message.attempts.count() == len(RETRY_DELAYS) + 1 == len(receiver.received)
    assert message.status == "failed"
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "failed for a day" in endpoint.disabled_reason
    assert [m.to for m in mailoutbox] == [[sales.email]]
    assert endpoint.url in mailoutbox[0].body and f"/staff/api/webhooks/{endpoint.pk}/" in mailoutbox[0].body

    # Nothing more is sent to a disabled endpoint ...
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(kind="nda.signed", actor=nda_signer, subject="nda:1", data={"nda_version": 1})
    assert WebhookMessage.objects.count() == 1
    # ... but staff can resend a message by hand once the receiver works again.
    receiver.statuses = []
    with django_capture_on_commit_callbacks(execute=True):
        webhook_message_resend(message=message, actor=sales)
    message.refresh_from_db()
    assert message.status == "delivered" and receiver.received[-1]["verified"]


def test_only_subscribed_events_of_owners_who_still_may_are_sent(
    published, nda_signer, sales, endpoint, receiver, django_capture_on_commit_callbacks
):
    from allauth.mfa.models import Authenticator

    from trustcenter.audit.services import audit_record

    with django_capture_on_commit_callbacks(execute=True):
        audit_record(kind="document.downloaded", actor=nda_signer, subject="document:1")  # not subscribed
        audit_record(kind="account.signed_in", actor=nda_signer)  # never a webhook event
    assert not WebhookMessage.objects.exists()
    Authenticator.objects.filter(user=sales).delete()
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(kind="nda.signed", actor=nda_signer, subject="nda:1")
    assert not WebhookMessage.objects.exists() and receiver.received == []


def test_a_rolled_back_action_sends_nothing(published, nda_signer, endpoint, receiver):
    from django.db import transaction

    from trustcenter.audit.services import audit_record

    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(kind="nda.signed", actor=nda_signer, subject="nda:1")
        raise RuntimeError("the action failed")
    assert not WebhookMessage.objects.exists() and receiver.received == []


# SSRF --------------------------------------------------------------------------------------

UNSAFE = [
    "https://127.0.0.1/hook",
    "https://10.1.2.3/hook",
    "https://192.168.0.10/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://localhost/hook",  # a name that resolves to loopback
    "https://0.0.0.0/hook",
]


@pytest.mark.parametrize("url", UNSAFE)
def test_private_loopback_and_link_local_addresses_are_refused(db, sales, url):
    with pytest.raises(ValidationError, match="public addresses"):
        webhook_endpoint_create(owner=sales, url=url, events=["nda.signed"])
    assert not WebhookEndpoint.objects.exists()


def test_plain_http_and_credentials_in_the_url_are_refused(db, sales):
    with pytest.raises(ValidationError, match="https"):
        webhook_endpoint_create(owner=sales, url="http://example.com/hook", events=["nda.signed"])
    with pytest.raises(ValidationError, match="user name"):
        webhook_endpoint_create(owner=sales, url="https://u:p@example.com/hook", events=["nda.signed"])


def test_a_delivery_to_an_address_that_became_private_is_refused(
    settings, published, nda_signer, endpoint, receiver, django_capture_on_commit_callbacks
):
    """Checked again at every attempt: an endpoint added while allowed is not called once it is not."""
    from trustcenter.audit.services import audit_record

    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(kind="nda.signed", actor=nda_signer, subject="nda:1")
    attempt = WebhookAttempt.objects.order_by("number").first()
    assert attempt.status == "failed" and "https://" in attempt.error
    assert receiver.received == []


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(receiver):
    """DNS rebinding: the name is never resolved again; a name with no DNS at all still reaches the pinned IP."""
    target = webhooks.Target(
        scheme="http", host="rebind.invalid", port=receiver.server.server_address[1], path="/x", ip="127.0.0.1"
    )
    connection = webhooks._PinnedHTTPConnection(target, timeout=5)
    connection.request("POST", "/x", body=b"{}", headers={"Content-Length": "2"})
    assert connection.getresponse().status == 200
    connection.close()
    assert receiver.received[0]["headers"]["host"].startswith("rebind.invalid")


# Pages --------------------------------------------------------------------------------------


def test_staff_add_an_endpoint_and_see_its_delivery_log(
    settings, client, published, sales, receiver, loopback_allowed, nda_signer, django_capture_on_commit_callbacks
):
    from trustcenter.audit.services import audit_record

    client.force_login(sales)
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    refused = client.post("/staff/api/webhooks/", {"url": "https://169.254.169.254/", "events": ["nda.signed"]})
    assert refused.status_code == 400 and "public addresses" in refused.content.decode()
    assert not WebhookEndpoint.objects.exists()
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    response = client.post("/staff/api/webhooks/", {"url": receiver.url, "events": ["nda.signed"]})
    endpoint = WebhookEndpoint.objects.get()
    assert response["Location"] == f"/staff/api/webhooks/{endpoint.pk}/"
    receiver.secret = endpoint.secret
    receiver.statuses = [502]
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(kind="nda.signed", actor=nda_signer, subject="nda:1")
    page = client.get(f"/staff/api/webhooks/{endpoint.pk}/").content.decode()
    message = WebhookMessage.objects.get()
    assert message.msg_id in page and "HTTP 502" in page and "receiver says 502" in page and endpoint.secret in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/staff/api/webhooks/{endpoint.pk}/messages/{message.msg_id}/resend/")
    assert message.attempts.filter(manual=True, status="succeeded").exists()
    client.post(f"/staff/api/webhooks/{endpoint.pk}/toggle/")
    endpoint.refresh_from_db()
    assert not endpoint.enabled


def test_customers_cannot_see_or_resend_webhooks(client, published, customer, endpoint):
    client.force_login(customer)
    assert client.get(f"/staff/api/webhooks/{endpoint.pk}/").status_code == 403
    assert client.post(f"/staff/api/webhooks/{endpoint.pk}/toggle/").status_code == 403
    endpoint.refresh_from_db()
    assert endpoint.enabled


def test_staff_without_mfa_cannot_add_webhooks(db, staff_without_mfa, customer):
    for user in (staff_without_mfa, customer):
        with pytest.raises(ValidationError, match="authenticator app"):
            webhook_endpoint_create(owner=user, url="https://example.com/", events=["nda.signed"])
    assert not WebhookEndpoint.objects.exists()
