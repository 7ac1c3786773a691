"""An account is bound to its organization when an address there is verified; changing email never escapes it.

The first test replays an outside tester's steps: with an approved grant, the organization
is blocked; the user adds a free-mail address, confirms it and makes it primary. Before
memberships, the organization was derived from the current address on every decision, so
the download and the NDA policy opened again.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core import mail

from tests.conftest import _gate_user, give_grant, reauthenticate, sign_current_nda, sign_in
from trustcenter.access.models import AccessGrant, Membership, Organization
from trustcenter.access.services import membership_move
from trustcenter.audit.models import AuditEvent

pytestmark = pytest.mark.usefixtures("published", "private_storage")

NDA_POLICY = "/policies/network-architecture/"


@pytest.fixture
def globex():
    organization = Organization.objects.create(name="Globex Corp")
    organization.domains.create(domain="globex.example")
    return organization


@pytest.fixture
def globex_customer(globex, django_user_model):
    """Verified at globex.example (so bound to Globex), NDA signed, access approved under Globex."""
    user = _gate_user(django_user_model, "hank@globex.example", "Hank Scorpio", "Globex Corp")
    sign_current_nda(user)
    give_grant(user, organization=globex)
    return user


@pytest.fixture
def nda_document(make_document):
    return make_document(title="SOC 2 Type II report")


def _add_confirm_and_make_primary(client, address):
    """What the tester did at /accounts/email/: add an address, follow the emailed link, make it primary."""
    reauthenticate(client)  # allauth asks for the password again before email changes
    response = client.post("/accounts/email/", {"email": address, "action_add": ""})
    assert response.status_code == 302, response.content[:500]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)[1]
    assert client.post(link).status_code == 302
    assert EmailAddress.objects.get(email=address).verified
    reauthenticate(client)
    response = client.post("/accounts/email/", {"email": address, "action_primary": ""})
    assert response.status_code == 302


def test_a_blocked_organizations_member_stays_blocked_after_changing_email(client, globex, globex_customer,
                                                                             nda_document):  # fmt: skip
    assert sign_in(client, globex_customer).status_code == 302
    download = f"/documents/{nda_document.pk}/download/"
    assert client.get(download).status_code == 200
    assert client.get(NDA_POLICY).status_code == 200

    globex.blocked = True
    globex.save()
    assert client.get(download).status_code == 403

    _add_confirm_and_make_primary(client, "globex.insider@gmail.com")
    globex_customer.refresh_from_db()
    assert globex_customer.email == "globex.insider@gmail.com"

    response = client.get(download)
    assert response.status_code == 403
    assert "not available for your organization" in response.content.decode()
    assert b"%PDF" not in response.content
    response = client.get(NDA_POLICY)
    assert response.status_code == 403
    assert "not available for your organization" in response.content.decode()
    assert Membership.objects.get(user=globex_customer).organization == globex


def test_an_address_at_another_organization_keeps_the_binding_and_is_reported(client, globex, globex_customer):
    initech = Organization.objects.create(name="Initech")
    initech.domains.create(domain="initech.example")
    assert sign_in(client, globex_customer).status_code == 302
    _add_confirm_and_make_primary(client, "hank@initech.example")
    membership = Membership.objects.get(user=globex_customer, ended_at__isnull=True)
    assert membership.organization == globex
    kept = AuditEvent.objects.filter(kind="organization.member_kept").first()  # on confirming and on primary
    assert kept.data["address_organization"] == "Initech" and kept.data["organization"] == "Globex Corp"


def test_verifying_an_address_binds_the_account_and_records_it(client, globex):
    client.post(
        "/accounts/signup/", {"email": "new@globex.example", "password1": "a-Long-pass-9", "password2": "a-Long-pass-9"}
    )
    user = EmailAddress.objects.get(email="new@globex.example").user
    assert not Membership.objects.filter(user=user).exists()  # not before the address is proven
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)[1]
    client.post(link)
    membership = Membership.objects.get(user=user)
    assert (membership.organization, membership.source, membership.email) == (globex, "verified_email",
                                                                              "new@globex.example")  # fmt: skip
    event = AuditEvent.objects.get(kind="organization.member_bound", subject=f"user:{user.pk}")
    assert event.data["organization"] == "Globex Corp"


def test_free_mail_addresses_bind_no_one(django_user_model):
    user = _gate_user(django_user_model, "someone@gmail.com", "Some One")
    assert not Membership.objects.filter(user=user).exists()


def test_a_domain_added_later_binds_the_accounts_already_verified_there(django_user_model):
    user = _gate_user(django_user_model, "wanda@umbrella.example", "Wanda")
    umbrella = Organization.objects.create(name="Umbrella", blocked=True)
    umbrella.domains.create(domain="umbrella.example")
    assert Membership.objects.get(user=user).organization == umbrella


def test_a_grant_issued_under_a_blocked_organization_opens_nothing(client, django_user_model, globex, nda_document):
    # Invited under Globex from a free-mail address: not bound, but the grant was issued under Globex.
    user = _gate_user(django_user_model, "contractor@gmail.com", "Connie Contractor")
    sign_current_nda(user)
    give_grant(user, organization=globex)
    client.force_login(user)
    assert client.get(f"/documents/{nda_document.pk}/download/").status_code == 200
    globex.blocked = True
    globex.save()
    response = client.get(f"/documents/{nda_document.pk}/download/")
    assert response.status_code == 403
    assert "not available for your organization" in response.content.decode()


def test_approval_records_the_organization_the_account_is_bound_to(client, globex, django_user_model, security_admin):
    from trustcenter.access.services import access_request_approve, access_request_create

    user = _gate_user(django_user_model, "lisa@globex.example", "Lisa")
    sign_current_nda(user)
    user.email = "lisa@gmail.com"  # the current address says nothing; the binding does
    user.save()
    access_request, _created = access_request_create(user=user)
    grant = access_request_approve(access_request=access_request, reviewer=security_admin)
    assert grant.organization == globex


def test_staff_move_an_account_and_the_move_is_audited(client, globex, globex_customer, security_admin):
    initech = Organization.objects.create(name="Initech")
    globex.blocked = True
    globex.save()
    membership_move(user=globex_customer, organization=initech, actor=security_admin, reason="Joined Initech")
    old = Membership.objects.get(user=globex_customer, organization=globex)
    assert old.ended_by == security_admin and old.end_reason == "Joined Initech"
    assert Membership.objects.get(user=globex_customer, ended_at__isnull=True).organization == initech
    moved = AuditEvent.objects.get(kind="organization.member_moved")
    assert moved.data == {"user": globex_customer.email, "from": "Globex Corp", "to": "Initech",
                          "reason": "Joined Initech"}  # fmt: skip
    # The grant issued under Globex stays dead; a new one under Initech would be needed.
    client.force_login(globex_customer)
    assert "not available for your organization" in client.get(NDA_POLICY).content.decode()
    AccessGrant.objects.update(organization=initech)
    assert client.get(NDA_POLICY).status_code == 200


def test_staff_move_accounts_in_the_admin_with_a_reason(client, globex, globex_customer, security_admin):
    initech = Organization.objects.create(name="Initech")
    client.force_login(security_admin)
    response = client.post(
        "/admin/access/membership/add/", {"user": globex_customer.pk, "organization": initech.pk, "reason": ""}
    )
    assert response.status_code == 200  # the reason is required
    assert not AuditEvent.objects.filter(kind="organization.member_moved").exists()
    response = client.post(
        "/admin/access/membership/add/",
        {"user": globex_customer.pk, "organization": initech.pk, "reason": "Changed jobs"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=globex_customer, ended_at__isnull=True).organization == initech
    assert AuditEvent.objects.filter(kind="organization.member_moved", actor=security_admin).exists()


def test_existing_accounts_are_bound_by_their_current_verified_domain(django_user_model, globex):
    """The data migration: accounts verified before memberships existed are bound by their address today."""
    from importlib import import_module

    migration = import_module("trustcenter.access.migrations.0002_access_membership_scopes")
    bound = _gate_user(django_user_model, "old@globex.example", "Old Timer")
    unverified = _gate_user(django_user_model, "unv@globex.example", "Not Yet", verified=False)
    Membership.objects.all().delete()
    migration.bind_existing_accounts(apps, None)
    assert Membership.objects.get(user=bound).source == "existing"
    assert not Membership.objects.filter(user=unverified).exists()
