"""The JSON API: public read endpoints for every visitor, staff endpoints for every kind of token."""

import csv
import datetime
import io
import json

import openpyxl
import pytest
from django.utils import timezone
from openapi_spec_validator import validate

from trustcenter.access.models import AccessGrant, AccessRequest, Invitation
from trustcenter.api.models import ApiToken
from trustcenter.api.services import api_token_create, api_token_revoke
from trustcenter.audit.models import AuditEvent


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def make_token(user, scopes=("read", "manage_access", "questionnaires"), days=30) -> str:
    _token, plain = api_token_create(user=user, name="CRM sync", scopes=list(scopes), days=days)
    return plain


# Public read API ---------------------------------------------------------------------------


@pytest.fixture
def visitors(request, client, published, prospect, customer, sales, staff_without_mfa):
    """The public API answers the same to everyone: anonymous, a prospect, a customer, staff."""
    return {"anonymous": None, "prospect": prospect, "customer": customer, "sales": sales, "no_mfa": staff_without_mfa}


@pytest.mark.parametrize("who", ["anonymous", "prospect", "customer", "sales", "no_mfa"])
def test_everyone_gets_the_public_policies_and_nothing_under_nda(client, visitors, who):
    if visitors[who] is not None:
        client.force_login(visitors[who])
    listing = client.get("/api/v1/policies?per_page=100")
    assert listing.status_code == 200
    policies = {p["slug"]: p for p in listing.json()["results"]}
    assert "access-control" in policies and "network-architecture" in policies  # listed, as on the overview
    assert policies["network-architecture"]["visibility"] == "nda"
    gated = client.get("/api/v1/policies/network-architecture").json()
    gated = client.get(gated["versions"][0]["url"].replace("http://testserver", "")).json()
    assert gated["readable"] is False and gated["body_html"] is None and gated["sections"] == []
    public = client.get(policies["access-control"]["url"].replace("http://testserver", "")).json()
    public = client.get(public["versions"][0]["url"].replace("http://testserver", "")).json()
    assert public["readable"] is True and "<h2" in public["body_html"]
    assert public["sections"] and public["sections"][0]["anchor"].startswith("#")
    assert f'id="{public["sections"][0]["id"]}"' in public["body_html"]


PUBLIC_PATHS = [
    "/api/v1/policies?per_page=100",
    "/api/v1/policies/network-architecture",
    "/api/v1/policies/access-control",
    "/api/v1/certifications",
    "/api/v1/subprocessors?per_page=100",
    "/api/v1/documents",
]


def test_every_public_endpoint_answers_everyone_exactly_what_an_anonymous_visitor_sees(
    client, visitors, make_document, security_admin
):
    make_document(title="SOC 2 Type II report 2026")
    make_document(title="Withdrawn pentest", kind="pentest_summary", framework="", listed=False)
    versions = [v["url"] for p in ("network-architecture", "access-control")
                for v in client.get(f"/api/v1/policies/{p}").json()["versions"]]  # fmt: skip
    paths = PUBLIC_PATHS + [url.replace("http://testserver", "") for url in versions]
    anonymous = {path: client.get(path).json() for path in paths}
    token = make_token(security_admin)
    for who, user in visitors.items():
        if user is None:
            continue
        client.force_login(user)
        for path in paths:
            assert client.get(path).json() == anonymous[path], (who, path)
        client.logout()
    for path in paths:
        assert client.get(path, **bearer(token)).json() == anonymous[path], ("token", path)


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_endpoints_only_answer_get(client, published, path):
    assert client.post(path.split("?")[0]).status_code == 405
    assert client.delete(path.split("?")[0]).status_code == 405


def test_a_policy_lists_every_version(client, published, content_dir):
    import re

    from trustcenter.policies.services import content_publish

    path = content_dir / "policies" / "access-control.md"
    text = path.read_text()
    old = int(re.search(r"^version: (\d+)", text, re.M)[1])
    path.write_text(text.replace(f"version: {old}", f"version: {old + 1}").replace("## ", "## Revised ", 1))
    content_publish(root=content_dir)
    detail = client.get("/api/v1/policies/access-control").json()
    assert [v["number"] for v in detail["versions"]][:2] == [old + 1, old]
    assert detail["current_version"] == old + 1
    assert client.get(f"/api/v1/policies/access-control/versions/{old}").json()["is_current"] is False
    assert client.get("/api/v1/policies/no-such-policy").status_code == 404
    assert client.get("/api/v1/policies/access-control/versions/9").status_code == 404


def test_certifications_and_subprocessors_come_from_the_company_profile(client, published):
    from trustcenter.core.company import load_company

    company = load_company()
    certifications = client.get("/api/v1/certifications").json()
    assert [c["name"] for c in certifications["results"]] == [c.name for c in company.certifications]
    subprocessors = client.get("/api/v1/subprocessors?per_page=100").json()
    assert subprocessors["count"] == len(company.subprocessors)
    assert subprocessors["results"][0]["name"] == company.subprocessors[0].name


def test_documents_are_metadata_only_and_only_the_listed_ones(client, published, make_document):
    shown = make_document(title="SOC 2 Type II report 2026")
    hidden = make_document(title="Withdrawn pentest", kind="pentest_summary", framework="", listed=False)
    response = client.get("/api/v1/documents")
    titles = [d["title"] for d in response.json()["results"]]
    assert titles == [shown.title]
    assert hidden.title not in response.content.decode()
    document = response.json()["results"][0]
    assert document["visibility"] == "nda" and document["pages"] == 3
    assert not {"file", "sha256", "url_download"} & set(document)
    assert b"%PDF" not in response.content


def test_lists_are_paginated_with_links(client, published):
    first = client.get("/api/v1/policies?per_page=5").json()
    assert len(first["results"]) == 5 and first["previous"] is None
    second = client.get(first["next"].replace("http://testserver", "")).json()
    assert second["page"] == 2 and {p["slug"] for p in second["results"]}.isdisjoint(
        {p["slug"] for p in first["results"]}
    )
    assert client.get("/api/v1/policies?per_page=1000").status_code == 400
    assert client.get("/api/v1/policies?page=0").status_code == 400


def test_a_conditional_get_with_the_etag_is_answered_304(client, published):
    first = client.get("/api/v1/policies")
    etag = first["ETag"]
    assert etag
    again = client.get("/api/v1/policies", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert client.get("/api/v1/policies", HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_the_public_api_sets_no_cookie_and_varies_on_nothing_personal(client, published):
    response = client.get("/api/v1/policies")
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_the_public_api_is_rate_limited_per_ip(client, published, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_public": "3/m"}
    codes = [client.get("/api/v1/certifications").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/v1/certifications")
    assert int(limited["Retry-After"]) > 0 and "Too many requests" in limited.json()["detail"]


def test_the_openapi_schema_is_valid_openapi_3_1(client, published):
    response = client.get("/api/v1/openapi.json")
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    validate(schema)  # raises on an invalid schema
    assert "/api/v1/staff/access-requests/{request_id}/approve" in schema["paths"]
    assert schema["components"]["securitySchemes"]


def test_the_docs_page_is_served_from_this_site_without_scripts(client, published):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/api/v1/staff/grants/{grant_id}/revoke" in page and "openapi.json" in page
    assert "<script" not in page.replace('<script src="/static/', "")  # only our own static files
    assert "cdn" not in page.lower() and "unpkg" not in page


# Staff API: who may use it -----------------------------------------------------------------

STAFF_ENDPOINTS = [
    ("get", "/api/v1/staff/access-requests", "read", None),
    ("post", "/api/v1/staff/access-requests/{request_id}/approve", "manage_access", {}),
    ("post", "/api/v1/staff/access-requests/{request_id}/deny", "manage_access", {"reason": "Unknown company"}),
    ("get", "/api/v1/staff/grants", "read", None),
    ("post", "/api/v1/staff/grants/{grant_id}/revoke", "manage_access", {"reason": "Contract ended"}),
    ("post", "/api/v1/staff/invitations", "manage_access", {"email": "ivy@invited.example"}),
    ("get", "/api/v1/staff/questionnaires/{questionnaire_id}", "questionnaires", None),
    ("get", "/api/v1/staff/questionnaires/{questionnaire_id}/answered.csv", "questionnaires", None),
    ("get", "/api/v1/staff/audit-events", "read", None),
]


@pytest.fixture
def targets(published, pending_requester, customer):
    from trustcenter.questionnaires.models import Questionnaire

    questionnaire = Questionnaire.objects.create(name="vendor.csv", file_kind="csv")
    return {
        "request_id": AccessRequest.objects.get(user=pending_requester).pk,
        "grant_id": AccessGrant.objects.get(user=customer).pk,
        "questionnaire_id": questionnaire.pk,
    }


def _call(client, method, path, body, targets, **extra):
    url = path.format(**targets)
    if method == "get":
        return client.get(url, **extra)
    return client.post(url, data=json.dumps(body), content_type="application/json", **extra)


def _nothing_changed(targets):
    assert AccessRequest.objects.get(pk=targets["request_id"]).status == "pending"
    assert AccessGrant.objects.get(pk=targets["grant_id"]).revoked_at is None
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(("method", "path", "scope", "body"), STAFF_ENDPOINTS)
def test_sessions_are_not_enough_for_the_staff_api(
    client, targets, method, path, scope, body, customer, staff_without_mfa, sales
):
    for user in (None, customer, staff_without_mfa, sales):
        if user is not None:
            client.force_login(user)
        response = _call(client, method, path, body, targets)
        assert response.status_code == 401, (user, response.content)
    _nothing_changed(targets)


@pytest.mark.parametrize(("method", "path", "scope", "body"), STAFF_ENDPOINTS)
def test_refused_tokens_change_nothing(client, targets, method, path, scope, body, sales, django_user_model):
    from allauth.mfa.models import Authenticator

    other_scopes = [s for s in ("read", "manage_access", "questionnaires") if s != scope]
    cases = {"garbage": ("tc_not-a-real-token", 401), "wrong scope": (make_token(sales, other_scopes), 403)}

    expired = make_token(sales, [scope])
    ApiToken.objects.filter(prefix=expired[:10]).update(
        created_at=timezone.now() - datetime.timedelta(days=40), expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    cases["expired"] = (expired, 401)
    revoked = make_token(sales, [scope])
    api_token_revoke(token=ApiToken.objects.get(prefix=revoked[:10]), actor=sales)
    cases["revoked"] = (revoked, 401)

    # A staff member who later lost MFA, and one who became a customer: their tokens stop working.
    lost_mfa = django_user_model.objects.create_user(email="lm@kestrel.example", role="sales", is_staff=True)
    from tests.conftest import mfa_activate

    mfa_activate(lost_mfa)
    lost_mfa_token = make_token(lost_mfa, [scope])
    Authenticator.objects.filter(user=lost_mfa).delete()
    cases["owner without MFA"] = (lost_mfa_token, 403)
    demoted = django_user_model.objects.create_user(email="dm@kestrel.example", role="sales", is_staff=True)
    mfa_activate(demoted)
    demoted_token = make_token(demoted, [scope])
    django_user_model.objects.filter(pk=demoted.pk).update(role="customer", is_staff=False)
    cases["owner now a customer"] = (demoted_token, 403)

    for name, (token, status) in cases.items():
        response = _call(client, method, path, body, targets, **bearer(token))
        assert response.status_code == status, (name, response.content)
        assert response.json()["detail"], name
    _nothing_changed(targets)


def test_expired_and_revoked_tokens_say_what_to_do(client, targets, sales):
    token = make_token(sales, ["read"])
    api_token_revoke(token=ApiToken.objects.get(prefix=token[:10]), actor=sales)
    assert "revoked" in client.get("/api/v1/staff/grants", **bearer(token)).json()["detail"]


def test_a_customer_cannot_create_a_token(customer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        api_token_create(user=customer, name="x", scopes=["read"], days=1)
    assert not ApiToken.objects.exists()


# Staff API: what a good token does -----------------------------------------------------------


def test_a_token_approves_a_request_through_the_same_service(
    client, targets, sales, pending_requester, mailoutbox, django_capture_on_commit_callbacks
):
    token = make_token(sales, ["manage_access"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/staff/access-requests/{targets['request_id']}/approve",
            data=json.dumps({"days": 30}),
            content_type="application/json",
            **bearer(token),
        )
    assert response.status_code == 200, response.content
    grant = AccessGrant.objects.get(pk=response.json()["id"])
    assert grant.user == pending_requester and grant.granted_by == sales
    assert (grant.expires_at - grant.granted_at).days == 30
    approved = AuditEvent.objects.get(kind="access.approved")
    assert approved.actor == sales
    assert AuditEvent.objects.filter(
        kind="api.token_used", actor=sales, data__path=f"/api/v1/staff/access-requests/{targets['request_id']}/approve"
    ).exists()
    assert [m.to for m in mailoutbox] == [[pending_requester.email]]
    api_token = ApiToken.objects.get(prefix=token[:10])
    assert api_token.last_used_at is not None
    again = client.post(
        f"/api/v1/staff/access-requests/{targets['request_id']}/approve", data="{}",
        content_type="application/json", **bearer(token),
    )  # fmt: skip
    assert again.status_code == 409 and "already decided" in again.json()["detail"]


def test_a_token_denies_and_revokes_with_a_reason(client, targets, sales):
    token = make_token(sales, ["manage_access"])
    no_reason = client.post(
        f"/api/v1/staff/access-requests/{targets['request_id']}/deny", data=json.dumps({"reason": ""}),
        content_type="application/json", **bearer(token),
    )  # fmt: skip
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["detail"]
    denied = client.post(
        f"/api/v1/staff/access-requests/{targets['request_id']}/deny",
        data=json.dumps({"reason": "Unknown company"}), content_type="application/json", **bearer(token),
    )  # fmt: skip
    assert denied.status_code == 200 and denied.json()["status"] == "denied"
    revoked = client.post(
        f"/api/v1/staff/grants/{targets['grant_id']}/revoke", data=json.dumps({"reason": "Contract ended"}),
        content_type="application/json", **bearer(token),
    )  # fmt: skip
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert AccessGrant.objects.get(pk=targets["grant_id"]).revoke_reason == "Contract ended"
    assert client.post(
        "/api/v1/staff/grants/999999/revoke", data=json.dumps({"reason": "x"}), content_type="application/json",
        **bearer(token),
    ).status_code == 404  # fmt: skip


def test_a_token_lists_requests_grants_and_filtered_audit_events(client, targets, sales, pending_requester):
    token = make_token(sales, ["read"])
    requests = client.get("/api/v1/staff/access-requests?status=pending", **bearer(token)).json()
    assert [r["email"] for r in requests["results"]] == [pending_requester.email]
    assert client.get("/api/v1/staff/access-requests?status=maybe", **bearer(token)).status_code == 400
    grants = client.get("/api/v1/staff/grants?active=true", **bearer(token)).json()
    assert grants["count"] == 1 and grants["results"][0]["active"] is True
    events = client.get("/api/v1/staff/audit-events?kind=api.token_used", **bearer(token)).json()
    assert events["count"] >= 3 and {e["kind"] for e in events["results"]} == {"api.token_used"}
    bad = client.get("/api/v1/staff/audit-events?date_from=2026-12-31&date_to=2026-01-01", **bearer(token))
    assert bad.status_code == 400


def test_a_token_invites_with_the_invitation_pages_rules(
    client, published, sales, mailoutbox, django_capture_on_commit_callbacks
):
    token = make_token(sales, ["manage_access"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/staff/invitations", data=json.dumps({"email": "Ivy@Invited.example", "days": 14}),
            content_type="application/json", **bearer(token),
        )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["email"] == "ivy@invited.example" and response.json()["grant_days"] == 14
    assert Invitation.objects.get().created_by == sales
    assert mailoutbox[0].to == ["ivy@invited.example"]
    bad = client.post(
        "/api/v1/staff/invitations", data=json.dumps({"email": "not an address"}),
        content_type="application/json", **bearer(token),
    )  # fmt: skip
    assert bad.status_code == 400 and "email" in bad.json()["detail"]


def test_a_token_uploads_a_questionnaire_and_downloads_it_answered(
    client, published, sales, django_capture_on_commit_callbacks
):
    token = make_token(sales, ["questionnaires"])
    data = "Question,Answer\nDo you encrypt data at rest?,\nDo you have an incident response plan?,\n"
    upload = io.BytesIO(data.encode())
    upload.name = "vendor-review.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/staff/questionnaires", {"file": upload}, **bearer(token))
    assert response.status_code == 201, response.content
    status = client.get(f"/api/v1/staff/questionnaires/{response.json()['id']}", **bearer(token)).json()
    assert status["status"] == "ready" and status["question_count"] == 2  # answered by the task
    completed = AuditEvent.objects.get(kind="questionnaire.completed")  # what webhooks listen for
    assert completed.subject == f"questionnaire:{status['id']}" and completed.data["questions"] == 2
    answered = client.get(status["download_csv"].replace("http://testserver", ""), **bearer(token))
    assert answered.status_code == 200
    assert "vendor-review-answered.csv" in answered["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answered.content.decode("utf-8-sig"))))
    assert rows[1][0] == "Do you encrypt data at rest?" and len(rows[0]) > 2
    bad = io.BytesIO(b"")
    bad.name = "empty.csv"
    assert client.post("/api/v1/staff/questionnaires", {"file": bad}, **bearer(token)).status_code == 400


def test_a_workbook_uploaded_through_the_api_is_answered_on_every_sheet_with_questions(
    client, published, sales, django_capture_on_commit_callbacks
):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Application"
    for row in (["Question"], ["Do you encrypt data at rest?"], ["Is MFA enforced?"], ["Is TLS used?"]):
        workbook.active.append(row)
    other = workbook.create_sheet("Operations")
    for row in (["Question"], ["Are backups tested?"], ["Are logs retained?"], ["Is there an on-call rota?"]):
        other.append(row)
    upload = io.BytesIO()
    workbook.save(upload)
    upload.seek(0)
    upload.name = "tabs.xlsx"
    token = make_token(sales, ["questionnaires"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/staff/questionnaires", {"file": upload}, **bearer(token))
    status = client.get(f"/api/v1/staff/questionnaires/{response.json()['id']}", **bearer(token)).json()
    assert status["status"] == "ready" and status["question_count"] == 6
    assert status["sheets"] == ["Application", "Operations"]
    answered = client.get(status["download_xlsx"].replace("http://testserver", ""), **bearer(token))
    assert openpyxl.load_workbook(io.BytesIO(answered.content)).sheetnames == ["Application", "Operations"]


def test_a_not_yet_answered_questionnaire_cannot_be_downloaded(client, targets, sales):
    token = make_token(sales, ["questionnaires"])
    response = client.get(f"/api/v1/staff/questionnaires/{targets['questionnaire_id']}/answered.xlsx", **bearer(token))
    assert response.status_code == 409 and "not ready" in response.json()["detail"]


def test_staff_endpoints_refuse_the_wrong_method(client, targets, sales):
    token = make_token(sales)
    assert (
        client.get(f"/api/v1/staff/access-requests/{targets['request_id']}/approve", **bearer(token)).status_code == 405
    )
    assert client.post("/api/v1/staff/grants", **bearer(token)).status_code == 405
    _nothing_changed(targets)


def test_tokens_are_rate_limited(client, targets, sales, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_token": "2/m"}
    token = make_token(sales, ["read"])
    codes = [client.get("/api/v1/staff/grants", **bearer(token)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


# Token pages ------------------------------------------------------------------------------


def test_staff_create_a_token_on_the_account_page_and_see_it_once(client, sales):
    from tests.conftest import sign_in

    sign_in(client, sales)
    response = client.post("/staff/api/tokens/", {"name": "CRM", "scopes": ["read"], "days": "7"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=sales)
    shown = response.context["created"]
    assert shown.startswith("tc_") and shown in response.content.decode()
    assert token.token_hash != shown and len(token.token_hash) == 64 and shown not in token.token_hash
    assert shown not in client.get("/staff/api/tokens/").content.decode()  # never shown again
    assert token.scopes == ["read"] and (token.expires_at - token.created_at).days == 7
    client.post(f"/staff/api/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_token_needs_a_scope_and_a_sane_lifetime(client, sales, settings):
    client.force_login(sales)
    assert client.post("/staff/api/tokens/", {"name": "CRM", "days": "7"}).status_code == 400
    too_long = client.post("/staff/api/tokens/", {"name": "CRM", "scopes": ["read"], "days": "5000"})
    assert too_long.status_code == 400
    assert not ApiToken.objects.exists()


def test_nobody_revokes_another_persons_token(client, sales, security_admin):
    token = make_token(security_admin, ["read"])
    client.force_login(sales)
    pk = ApiToken.objects.get(prefix=token[:10]).pk
    assert client.post(f"/staff/api/tokens/{pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=pk).revoked_at is None


@pytest.mark.parametrize("path", ["/staff/api/tokens/", "/staff/api/webhooks/", "/staff/engagement/"])
def test_staff_pages_of_the_api_for_the_cast(client, published, path, customer, staff_without_mfa, sales):
    assert client.get(path).status_code == 302  # anonymous: sign in
    client.force_login(customer)
    assert client.get(path).status_code == 403
    client.force_login(staff_without_mfa)
    assert client.get(path)["Location"].startswith("/accounts/2fa/")
    client.force_login(sales)
    assert client.get(path).status_code == 200
    assert client.put(path).status_code == 405
