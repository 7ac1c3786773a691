"""Per-document grants: a grant covers all NDA material or chosen kinds and documents; a request
names what it asks for, the reviewer picks the scope, auto-approval can be scoped, and each
document card says where the reader stands for that document."""

import pytest

from tests.conftest import _gate_user, sign_current_nda
from trustcenter.access.models import AccessGrant, AccessRequest, Organization
from trustcenter.access.rules import GRANTED, NOT_IN_SCOPE, decide
from trustcenter.access.services import Scope, access_request_approve, access_request_create
from trustcenter.policies.models import Policy

pytestmark = pytest.mark.usefixtures("published", "private_storage")

NDA_POLICY = "/policies/network-architecture/"


@pytest.fixture
def soc2(make_document):
    return make_document(title="SOC 2 Type II report", kind="soc2_type2")


@pytest.fixture
def pentest(make_document):
    return make_document(title="Penetration test summary", kind="pentest_summary", framework="Pentest")


@pytest.fixture
def signer(django_user_model):
    user = _gate_user(django_user_model, "sue@scoped.example", "Sue Scoped", "Scoped Ltd")
    sign_current_nda(user)
    return user


def _grant(user, reviewer, scope):
    access_request, _created = access_request_create(user=user, scope=scope)
    return access_request_approve(access_request=access_request, reviewer=reviewer)


def test_a_grant_for_a_kind_opens_that_kind_only(client, signer, security_admin, soc2, pentest):
    _grant(signer, security_admin, Scope(False, ("soc2_type2",)))
    client.force_login(signer)
    assert client.get(f"/documents/{soc2.pk}/download/").status_code == 200
    response = client.get(f"/documents/{pentest.pk}/download/")
    assert response.status_code == 403
    assert "Your access does not include this document" in response.content.decode()
    assert f"/access/?document={pentest.pk}" in response.content.decode()
    assert client.get(NDA_POLICY).status_code == 403


def test_a_grant_for_one_document_and_the_nda_policies(client, signer, security_admin, soc2, pentest):
    _grant(signer, security_admin, Scope(False, ("nda_policies",), (pentest,)))
    client.force_login(signer)
    assert client.get(f"/documents/{pentest.pk}/download/").status_code == 200
    assert client.get(f"/documents/{soc2.pk}/download/").status_code == 403
    assert client.get(NDA_POLICY).status_code == 200
    version = Policy.objects.get(slug="network-architecture").current_version
    assert decide(signer, version).reason == GRANTED
    assert decide(signer, soc2).reason == NOT_IN_SCOPE


def test_each_document_card_shows_the_readers_state_for_that_document(client, signer, security_admin, soc2, pentest):
    _grant(signer, security_admin, Scope(False, ("soc2_type2",)))
    client.force_login(signer)
    html = client.get("/documents/").content.decode()
    soc2_card = html.split(f'id="document-{soc2.pk}"')[1].split("</li>")[0]
    pentest_card = html.split(f'id="document-{pentest.pk}"')[1].split("</li>")[0]
    assert f"/documents/{soc2.pk}/download/" in soc2_card and "You have access until" in soc2_card
    assert "Not in your access" in pentest_card and f"/documents/{pentest.pk}/download/" not in pentest_card
    assert "Ask for this document" in pentest_card


def test_a_request_names_a_document_and_the_reviewer_picks_the_scope(client, signer, sales, soc2, pentest):
    client.force_login(signer)
    page = client.get(f"/access/?document={pentest.pk}").content.decode()
    assert f'value="{pentest.pk}"' in page and "checked" in page
    response = client.post(
        "/access/request/", {"everything": "chosen", "documents": [pentest.pk], "reason": "Vendor review"}
    )
    assert response.status_code == 302
    access_request = AccessRequest.objects.get(user=signer)
    assert not access_request.all_material and list(access_request.documents.all()) == [pentest]
    # The reviewer sees what was asked for and widens it to every SOC 2 report as well.
    client.force_login(sales)
    assert "Penetration test summary" in client.get("/staff/access/").content.decode()
    response = client.post(
        f"/staff/access/requests/{access_request.pk}/approve/",
        {"everything": "chosen", "documents": [pentest.pk], "kinds": ["soc2_type2"]},
    )
    assert response.status_code == 302
    grant = AccessGrant.objects.get(user=signer)
    assert not grant.all_material and grant.kinds == ["soc2_type2"] and list(grant.documents.all()) == [pentest]
    assert grant.covers(soc2) and grant.covers(pentest)


def test_approving_without_a_scope_grants_what_was_asked_for(signer, sales, pentest, client):
    access_request, _created = access_request_create(user=signer, scope=Scope(False, (), (pentest,)))
    client.force_login(sales)
    client.post(f"/staff/access/requests/{access_request.pk}/approve/", {"days": "30"})
    grant = AccessGrant.objects.get(user=signer)
    assert list(grant.documents.all()) == [pentest] and not grant.all_material


def test_an_empty_chosen_scope_is_refused_with_a_message(client, signer):
    client.force_login(signer)
    response = client.post("/access/request/", {"everything": "chosen"}, follow=True)
    assert "Choose at least one kind or document" in response.content.decode()
    assert not AccessRequest.objects.filter(user=signer).exists()


def test_a_reader_with_part_of_the_material_may_ask_for_more(client, signer, security_admin, pentest):
    _grant(signer, security_admin, Scope(False, ("soc2_type2",)))
    client.force_login(signer)
    response = client.post("/access/request/", {"everything": "chosen", "documents": [pentest.pk]})
    assert response.status_code == 302
    assert AccessRequest.objects.filter(user=signer, status="pending").exists()


def test_scoped_auto_approval_approves_only_what_it_covers(django_user_model, soc2, pentest):
    organization = Organization.objects.create(
        name="Partner Co", auto_approve=True, auto_approve_all=False, auto_approve_kinds=["soc2_type2"]
    )
    organization.domains.create(domain="partner.example")
    user = _gate_user(django_user_model, "pia@partner.example", "Pia Partner")
    sign_current_nda(user)
    approved, _ = access_request_create(user=user, scope=Scope(False, ("soc2_type2",)))
    assert approved.status == "approved" and approved.auto_approved
    assert AccessGrant.objects.get(user=user).kinds == ["soc2_type2"]
    wider, _ = access_request_create(user=user, scope=Scope())
    assert wider.status == "pending"
