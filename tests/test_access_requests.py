"""Requests, the review queue, grants that expire, revocation, organizations and free-mail domains."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache

from tests.conftest import _gate_user, sign_current_nda
from trustcenter.access.models import AccessGrant, AccessRequest, Organization, OrganizationDomain
from trustcenter.audit.models import AuditEvent

pytestmark = pytest.mark.usefixtures("published", "private_storage")


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_signer_requests_access_and_reviewers_are_emailed(
    client, nda_signer, sales, security_admin, django_capture_on_commit_callbacks
):
    client.force_login(nda_signer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/access/request/", {"reason": "Vendor assessment for Q1"})
    assert response.status_code == 302
    access_request = AccessRequest.objects.get(user=nda_signer)
    assert access_request.status == "pending" and access_request.reason == "Vendor assessment for Q1"
    assert len(mail.outbox) == 1 and set(mail.outbox[0].to) == {sales.email, security_admin.email}
    assert "/staff/access/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(kind="access.requested", actor=nda_signer).exists()
    page = client.get("/access/").content.decode()
    assert "is waiting for review" in page


def test_a_second_request_while_one_is_pending_creates_no_duplicate(client, pending_requester):
    client.force_login(pending_requester)
    client.post("/access/request/", {"reason": "again"})
    client.post("/access/request/", {"reason": "and again"})
    assert AccessRequest.objects.filter(user=pending_requester).count() == 1


def test_a_request_needs_the_nda_first(client, prospect):
    client.force_login(prospect)
    client.post("/access/request/", {"reason": "please"})
    assert not AccessRequest.objects.exists()


def test_a_reviewer_approves_with_a_length_and_the_requester_is_told(
    client, pending_requester, sales, django_capture_on_commit_callbacks
):
    access_request = AccessRequest.objects.get(user=pending_requester)
    client.force_login(sales)
    queue = client.get("/staff/access/").content.decode()
    assert "penny@pending.example" in queue and "Vendor review" in queue
    now = datetime.datetime(2026, 11, 29, 12, tzinfo=datetime.UTC)
    with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/staff/access/requests/{access_request.pk}/approve/", {"days": "90"})
    assert response.status_code == 302
    grant = AccessGrant.objects.get(user=pending_requester)
    assert grant.expires_at == now + datetime.timedelta(days=90)
    assert grant.granted_by == sales
    access_request.refresh_from_db()
    assert access_request.status == "approved" and access_request.decided_by == sales
    assert mail.outbox[-1].to == [pending_requester.email]
    assert "approved until 27 February 2027" in mail.outbox[-1].body
    assert AuditEvent.objects.get(kind="access.approved").data["days"] == 90


def test_approval_without_a_length_uses_the_site_default(client, pending_requester, security_admin, settings):
    settings.ACCESS_GRANT_DAYS = 200
    access_request = AccessRequest.objects.get(user=pending_requester)
    client.force_login(security_admin)
    client.post(f"/staff/access/requests/{access_request.pk}/approve/", {"days": ""})
    grant = AccessGrant.objects.get(user=pending_requester)
    assert (grant.expires_at - grant.granted_at).days == 200


def test_a_reviewer_denies_with_a_reason_the_requester_reads(
    client, pending_requester, sales, django_capture_on_commit_callbacks
):
    access_request = AccessRequest.objects.get(user=pending_requester)
    client.force_login(sales)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/staff/access/requests/{access_request.pk}/deny/", {"reason": "Not a customer"})
    access_request.refresh_from_db()
    assert access_request.status == "denied" and access_request.decision_note == "Not a customer"
    assert "Not a customer" in mail.outbox[-1].body
    assert AuditEvent.objects.get(kind="access.denied").data["reason"] == "Not a customer"
    client.force_login(pending_requester)
    assert "was denied: “Not a customer”" in client.get("/access/").content.decode()


def test_denying_needs_a_reason(client, pending_requester, sales):
    access_request = AccessRequest.objects.get(user=pending_requester)
    client.force_login(sales)
    client.post(f"/staff/access/requests/{access_request.pk}/deny/", {"reason": ""})
    access_request.refresh_from_db()
    assert access_request.status == "pending"


def test_a_decided_request_cannot_be_decided_again(client, denied_requester, sales):
    access_request = AccessRequest.objects.get(user=denied_requester)
    client.force_login(sales)
    response = client.post(f"/staff/access/requests/{access_request.pk}/approve/", {}, follow=True)
    assert "This request was already decided." in response.content.decode()
    assert not AccessGrant.objects.filter(user=denied_requester).exists()


def test_non_reviewers_cannot_decide(client, pending_requester, customer):
    access_request = AccessRequest.objects.get(user=pending_requester)
    client.force_login(customer)
    assert client.post(f"/staff/access/requests/{access_request.pk}/approve/", {}).status_code == 403
    assert client.post(f"/staff/access/requests/{access_request.pk}/deny/", {"reason": "x"}).status_code == 403
    access_request.refresh_from_db()
    assert access_request.status == "pending"


def test_unknown_ids_are_not_found(client, sales):
    client.force_login(sales)
    assert client.post("/staff/access/requests/99999/approve/", {}).status_code == 404
    assert client.post("/staff/access/grants/99999/revoke/", {"reason": "x"}).status_code == 404


def test_a_reviewer_revokes_a_grant(client, customer, sales):
    grant = customer.access_grants.get()
    client.force_login(sales)
    assert "casey@northwind.example" in client.get("/staff/access/").content.decode()
    client.post(f"/staff/access/grants/{grant.pk}/revoke/", {"reason": "Contract ended"})
    grant.refresh_from_db()
    assert grant.revoked_at is not None and grant.revoked_by == sales and grant.revoke_reason == "Contract ended"
    assert AuditEvent.objects.get(kind="access.revoked").data["reason"] == "Contract ended"


def test_the_user_sees_expiry_and_can_ask_again_after_it(client, expired_customer):
    client.force_login(expired_customer)
    page = client.get("/access/").content.decode()
    assert "Your access expired on" in page and "Expired" in page
    client.post("/access/request/", {"reason": "Renewal"})
    assert AccessRequest.objects.filter(user=expired_customer, status="pending").exists()


def test_a_revoked_user_cannot_simply_ask_again(client, revoked_customer):
    client.force_login(revoked_customer)
    client.post("/access/request/", {"reason": "please"})
    assert not AccessRequest.objects.filter(user=revoked_customer, status="pending").exists()


def test_a_denied_user_can_ask_again_with_more_context(client, denied_requester):
    client.force_login(denied_requester)
    client.post("/access/request/", {"reason": "I am the new CISO at Denied Inc"})
    assert AccessRequest.objects.filter(user=denied_requester, status="pending").exists()


def test_an_auto_approving_organization_gets_access_at_once_for_its_length(client, django_user_model):
    organization = Organization.objects.create(name="Northwind", auto_approve=True, grant_days=30)
    organization.domains.create(domain="northwind.example")
    user = _gate_user(django_user_model, "nia@northwind.example", "Nia North", "Northwind")
    sign_current_nda(user)
    client.force_login(user)
    response = client.post("/access/request/", {})
    assert response["Location"] == "/documents/"
    grant = AccessGrant.objects.get(user=user)
    assert grant.organization == organization and (grant.expires_at - grant.granted_at).days == 30
    assert AccessRequest.objects.get(user=user).auto_approved
    assert AuditEvent.objects.get(kind="access.approved").data["automatic"] is True


def test_an_unverified_address_never_matches_an_organization_or_requests(client, unverified):
    organization = Organization.objects.create(name="Prospect", auto_approve=True)
    organization.domains.create(domain="prospect.example")
    client.force_login(unverified)
    client.post("/access/request/", {})
    assert not AccessGrant.objects.filter(user=unverified).exists()
    assert not AccessRequest.objects.filter(user=unverified).exists()


def test_free_mail_domains_never_auto_approve_and_cannot_be_an_organization_domain(client, django_user_model, settings):
    from django.core.exceptions import ValidationError

    organization = Organization.objects.create(name="Careless", auto_approve=True)
    with pytest.raises(ValidationError, match="free-mail domain"):
        OrganizationDomain(organization=organization, domain="gmail.com").full_clean()
    # Even a domain slipped into the table by other means is never matched.
    OrganizationDomain.objects.create(organization=organization, domain="gmail.com")
    user = _gate_user(django_user_model, "someone@gmail.com", "Some One", "")
    sign_current_nda(user)
    client.force_login(user)
    client.post("/access/request/", {})
    assert AccessRequest.objects.get(user=user).status == "pending"
    assert AccessRequest.objects.get(user=user).organization is None


def test_the_free_mail_list_is_configurable(client, django_user_model, settings):
    settings.FREE_MAIL_DOMAINS = ["mailbox.example"]
    organization = Organization.objects.create(name="Mailbox", auto_approve=True)
    with pytest.raises(Exception, match="free-mail domain"):
        OrganizationDomain(organization=organization, domain="mailbox.example").full_clean()
    OrganizationDomain(organization=organization, domain="gmail.com").full_clean()


def test_a_blocked_organization_never_gets_access(client, blocked_org_user):
    client.force_login(blocked_org_user)
    client.post("/access/request/", {})
    assert not AccessRequest.objects.filter(user=blocked_org_user, status="pending").exists()
    assert "not available for your organization" in client.get("/access/").content.decode()


def test_staff_manage_organizations_in_the_admin(client, security_admin):
    client.force_login(security_admin)
    response = client.post(
        "/admin/access/organization/add/",
        {
            "name": "Globex", "notes": "", "auto_approve": "on", "grant_days": "180", "nda_on_file": "",
            "nda_on_file_note": "", "domains-TOTAL_FORMS": "1", "domains-INITIAL_FORMS": "0",
            "domains-MIN_NUM_FORMS": "0", "domains-MAX_NUM_FORMS": "1000", "domains-0-domain": "Globex.Example",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Organization.objects.get(name="Globex").domains.get().domain == "globex.example"


def test_access_requests_are_rate_limited_per_user(client, expired_customer, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "access_request_user": "2/h"}
    client.force_login(expired_customer)
    client.post("/access/request/", {})
    client.post("/access/request/", {})
    response = client.post("/access/request/", {})
    assert response.status_code == 429
