"""The review queue says what staff can do for a requester with no organization: create it from there."""

import pytest
from django.test import Client

from tests.conftest import _gate_user, sign_current_nda
from trustcenter.access.models import AccessRequest, Organization, organization_for
from trustcenter.audit.models import AuditEvent

pytestmark = pytest.mark.usefixtures("published")


def reviewer_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_requester_without_an_organization_is_offered_one_with_name_and_domain_filled_in(sales, pending_requester):
    html = reviewer_client(sales).get("/staff/access/").content.decode()
    assert "none set up yet for pending.example" in html
    assert "unknown domain" not in html
    assert "Create an organization for pending.example" in html
    assert 'value="Pending Ltd"' in html and 'value="pending.example"' in html


def test_creating_it_binds_the_requester_and_is_audited(sales, pending_requester):
    client = reviewer_client(sales)
    response = client.post("/staff/access/organizations/new/", {"name": "Pending Ltd", "domain": "Pending.example"})
    assert response.status_code == 302 and response["Location"] == "/staff/access/"
    organization = Organization.objects.get(name="Pending Ltd")
    assert list(organization.domains.values_list("domain", flat=True)) == ["pending.example"]
    assert organization_for(pending_requester) == organization
    event = AuditEvent.objects.get(kind="organization.created")
    assert event.actor == sales and event.data == {"name": "Pending Ltd", "domain": "pending.example"}
    html = client.get("/staff/access/").content.decode()
    assert "Organization Pending Ltd created for pending.example" in html
    assert "Create an organization for pending.example" not in html


def test_a_personal_email_provider_is_explained_and_never_offered(sales, django_user_model):
    user = _gate_user(django_user_model, "free@gmail.com", "Free Mailer", "Somewhere Inc")
    sign_current_nda(user)
    AccessRequest.objects.create(user=user, reason="Evaluating")
    client = reviewer_client(sales)
    html = client.get("/staff/access/").content.decode()
    assert "gmail.com is a personal email provider" in html
    assert "Create an organization for gmail.com" not in html
    response = client.post("/staff/access/organizations/new/", {"name": "Gmail", "domain": "gmail.com"}, follow=True)
    assert "free-mail domain" in response.content.decode()
    assert not Organization.objects.filter(name="Gmail").exists()


def test_a_taken_name_or_domain_is_refused_with_the_reason_and_creates_nothing(sales, pending_requester, customer):
    Organization.objects.create(name="Pending Ltd")
    client = reviewer_client(sales)
    response = client.post(
        "/staff/access/organizations/new/", {"name": "Pending Ltd", "domain": "pending.example"}, follow=True
    )
    assert "already exists" in response.content.decode()
    assert Organization.objects.filter(name="Pending Ltd").count() == 1
    assert organization_for(pending_requester) is None
