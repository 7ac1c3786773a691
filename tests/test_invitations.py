"""Invitations by sales: single-use signed links, stored as a hash; forged, replayed and expired links refused."""

import datetime
import hashlib
import re

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache

from trustcenter.access.models import AccessGrant, Invitation, Organization
from trustcenter.audit.models import AuditEvent

pytestmark = pytest.mark.usefixtures("published", "private_storage")


@pytest.fixture(autouse=True)
def on_commit(django_capture_on_commit_callbacks):
    """Invitation emails go out when the transaction commits; run those callbacks in tests."""
    global _capture
    _capture = django_capture_on_commit_callbacks


_capture = None


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def invite(client, sales, **changes):
    client.force_login(sales)
    data = {"email": "ivy@initech.example", "organization": "", "days": "60", "nda_required": "on", "message": "Hi Ivy"}
    data.update(changes)
    with _capture(execute=True):
        response = client.post("/staff/invitations/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    link = re.search(r"http://\S+/access/invitations/\S+/", mail.outbox[-1].body).group(0)
    client.logout()
    return link.split("testserver", 1)[-1].replace("http://127.0.0.1:8000", "")


def signup(client, path, **changes):
    data = {
        "full_name": "Ivy Invited",
        "company": "Initech",
        "password1": "a-long-passphrase-42",
        "password2": "a-long-passphrase-42",
    }
    data.update(changes)
    return client.post(path, data)


def test_sales_send_an_invitation_and_only_a_hash_of_the_token_is_stored(client, sales):
    path = invite(client, sales)
    invitation = Invitation.objects.get()
    token = path.rstrip("/").rsplit("/", 1)[-1]
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.values().get())
    assert invitation.created_by == sales and invitation.grant_days == 60
    assert (invitation.expires_at - invitation.created_at).days == 7
    assert mail.outbox[-1].to == ["ivy@initech.example"] and "Hi Ivy" in mail.outbox[-1].body
    assert AuditEvent.objects.get(kind="invitation.sent").data["email"] == "ivy@initech.example"


def test_accepting_creates_the_account_with_a_verified_email_and_a_grant(client, sales):
    from allauth.account.models import EmailAddress

    path = invite(client, sales)
    assert "Create your account" in client.get(path).content.decode()
    response = signup(client, path)
    assert response.status_code == 302 and response["Location"].startswith("/access/nda/")
    grant = AccessGrant.objects.get(user__email="ivy@initech.example")
    assert grant.invitation == Invitation.objects.get() and grant.nda_required
    assert EmailAddress.objects.get(email="ivy@initech.example").verified
    assert AuditEvent.objects.get(kind="invitation.accepted").actor == grant.user
    # Signed in now, and the NDA is the only step left.
    assert "Sign the NDA" in client.get("/access/").content.decode()


def test_an_existing_account_accepts_after_signing_in(client, sales, prospect):
    path = invite(client, sales, email=prospect.email)
    response = client.post(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    client.force_login(prospect)
    client.post(path)
    assert AccessGrant.objects.filter(user=prospect).exists()


def test_an_invitation_without_nda_gives_access_at_once(client, sales, make_document):
    organization = Organization.objects.create(name="Initech")
    path = invite(client, sales, nda_required="", organization=str(organization.pk))
    response = signup(client, path)
    assert response["Location"] == "/documents/"
    document = make_document()
    assert client.get(f"/documents/{document.pk}/download/").status_code == 200


def test_a_replayed_link_is_refused(client, sales, prospect):
    path = invite(client, sales)
    signup(client, path)
    client.logout()
    response = client.get(path)
    assert response.status_code == 410
    assert "This invitation was already used" in response.content.decode()
    response = signup(client, path, full_name="Mallory")
    assert response.status_code == 410
    assert AccessGrant.objects.count() == 1


def test_a_forged_link_is_refused(client, sales):
    path = invite(client, sales)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    value, signature = token.rsplit(":", 1)
    forged_signature = path.replace(token, f"{value}:{'A' * len(signature)}")
    forged_value = path.replace(token, f"{'B' * len(value)}:{signature}")
    for forged in (forged_signature, forged_value, "/access/invitations/made-up/"):
        response = client.get(forged)
        assert response.status_code == 404
        assert "This invitation link is not valid" in response.content.decode()
        assert signup(client, forged).status_code == 404
    assert not AccessGrant.objects.exists()


def test_an_expired_link_is_refused(client, sales):
    path = invite(client, sales)
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=7, minutes=1)):
        response = client.get(path)
        assert response.status_code == 410
        assert "This invitation expired on" in response.content.decode()
        assert signup(client, path).status_code == 410
    assert not AccessGrant.objects.exists()


def test_someone_signed_in_as_another_person_cannot_use_it(client, sales, customer):
    path = invite(client, sales)
    client.force_login(customer)
    response = client.post(path)
    assert response.status_code == 403
    assert "This invitation is for ivy@initech.example" in response.content.decode()
    assert not Invitation.objects.get().accepted_at


def test_the_new_account_needs_a_good_password(client, sales):
    path = invite(client, sales)
    response = signup(client, path, password1="short", password2="short")
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    assert not AccessGrant.objects.exists()


def test_only_sales_and_security_admins_invite(client, customer):
    client.force_login(customer)
    assert client.post("/staff/invitations/", {"email": "x@y.example", "days": "5"}).status_code == 403
    assert not Invitation.objects.exists()
