"""Every gated view for every member of the cast: who gets in, and what everyone else is told.

The cast (tests/conftest.py): anonymous, unverified, verified without NDA (prospect), NDA
without grant, pending, denied, approved (customer), expired, revoked, an organization
staff blocked, another organization's customer, sales, security admin, staff without MFA,
and an account with only Django's admin flag (is_staff) and MFA.

That last one is no staff member here: roles are defined once on the user
(`User.has_staff_role`: sales, security admins, superusers), and the admin flag only opens
the Django admin, whose pages follow model permissions. So it reads NDA material on the
same terms as a customer (it has signed nothing: "sign the NDA") and every staff page is
403 to it. It still needs MFA, as every account with the flag does.
"""

import io

import pytest
from pypdf import PdfReader

from trustcenter.policies.models import Policy

pytestmark = pytest.mark.usefixtures("published", "private_storage")

ALLOWED = ["customer", "other_customer", "sales", "security_admin"]
REFUSED = {
    None: "Sign in or create an account to request access.",
    "unverified": "Confirm your email address first",
    "prospect": "Sign the NDA to request access.",
    "nda_signer": "Request access to the documents under NDA.",
    "pending_requester": "is waiting for review",
    "denied_requester": "was denied: “We could not confirm your company”",
    "expired_customer": "Your access expired on",
    "revoked_customer": "Your access was revoked on",
    "blocked_org_user": "not available for your organization",
    "staff_without_mfa": "need two-factor authentication",
    "admin_flag_only": "Sign the NDA to request access.",
}
NON_STAFF = [None, "unverified", "prospect", "nda_signer", "pending_requester", "denied_requester", "customer",
             "expired_customer", "revoked_customer", "blocked_org_user", "other_customer",
             "admin_flag_only"]  # fmt: skip


def as_user(request, client, name):
    user = request.getfixturevalue(name) if name else None
    if user is not None:
        client.force_login(user)
    return user


@pytest.fixture
def nda_document(make_document):
    return make_document(title="SOC 2 Type II report", pages=3)


@pytest.mark.parametrize("name", ALLOWED)
def test_allowed_readers_download_a_stamped_copy(request, client, nda_document, name):
    user = as_user(request, client, name)
    response = client.get(f"/documents/{nda_document.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="kestrel-analytics-soc-2-type-ii-report-')
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 3
    for page in reader.pages:
        assert user.email in page.extract_text()


@pytest.mark.parametrize(("name", "message"), REFUSED.items())
def test_everyone_else_is_refused_with_the_next_step(request, client, nda_document, name, message):
    as_user(request, client, name)
    response = client.get(f"/documents/{nda_document.pk}/download/")
    assert response.status_code == 403
    html = response.content.decode()
    assert message in html
    assert b"%PDF" not in response.content


@pytest.mark.parametrize(("name", "message"), REFUSED.items())
def test_the_nda_policy_is_locked_with_the_same_next_step(request, client, name, message):
    as_user(request, client, name)
    response = client.get("/policies/network-architecture/")
    assert response.status_code == 403
    assert message in response.content.decode()


@pytest.mark.parametrize("name", ALLOWED)
def test_allowed_readers_read_the_nda_policy(request, client, name):
    as_user(request, client, name)
    response = client.get("/policies/network-architecture/")
    assert response.status_code == 200
    body = Policy.objects.get(slug="network-architecture").current_version.body_text
    assert body[200:260] in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


@pytest.mark.parametrize("name", [n for n in REFUSED if n] + ALLOWED)
def test_the_list_shows_each_signed_in_user_their_state(request, client, nda_document, name):
    as_user(request, client, name)
    html = client.get("/documents/").content.decode()
    if name in ALLOWED:
        assert f"/documents/{nda_document.pk}/download/" in html
    else:
        assert REFUSED[name] in html
        assert f"/documents/{nda_document.pk}/download/" not in html


@pytest.mark.parametrize(("name", "message"), REFUSED.items())
def test_an_nda_update_post_is_locked_with_the_same_next_step(request, client, name, message):
    as_user(request, client, name)
    response = client.get("/updates/penetration-test-2026-summary/")
    assert response.status_code == 403
    html = response.content.decode()
    assert message in html and "retest letter" not in html
    assert "2026 penetration test finished" not in client.get("/updates/").content.decode()


@pytest.mark.parametrize("name", ALLOWED)
def test_allowed_readers_read_the_nda_update_post(request, client, name):
    as_user(request, client, name)
    assert "retest letter" in client.get("/updates/penetration-test-2026-summary/").content.decode()
    assert "2026 penetration test finished" in client.get("/updates/").content.decode()


@pytest.fixture
def subprocessor_change(published):
    """A published subprocessor change, and an organization for the customer's domain."""
    import yaml

    from trustcenter.access.models import Organization
    from trustcenter.access.services import membership_bind_domain
    from trustcenter.policies.services import content_publish
    from trustcenter.updates.models import SubprocessorChange

    organization = Organization.objects.create(name="Northwind Traders")
    organization.domains.create(domain="northwind.example")
    membership_bind_domain(domain="northwind.example")
    path = published / "company.yaml"
    data = yaml.safe_load(path.read_text())
    data["subprocessors"].append({"name": "Postmark", "purpose": "Email", "data": "Addresses", "location": "US"})
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    content_publish(root=published)
    return SubprocessorChange.objects.get()


@pytest.mark.parametrize("name", [n for n in REFUSED if n] + ALLOWED)
def test_only_a_customer_of_a_known_organization_can_object(request, client, subprocessor_change, name):
    from trustcenter.updates.models import Objection

    as_user(request, client, name)
    url = f"/subprocessors/changes/{subprocessor_change.pk}/object/"
    response = client.post(url, {"reason": "Not in our DPA."}, follow=True)
    assert response.status_code == 200
    recorded = Objection.objects.filter(change=subprocessor_change).exists()
    if name == "customer":  # the only one bound to an (unblocked) organization
        assert recorded and "Your objection is recorded" in response.content.decode()
    else:
        assert not recorded
        assert "Objections are made by customers" in response.content.decode()


def test_objecting_needs_a_signed_in_user(client, subprocessor_change):
    response = client.post(f"/subprocessors/changes/{subprocessor_change.pk}/object/", {"reason": "No."})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", ["/access/", "/access/nda/", "/account/updates/"])
@pytest.mark.parametrize("name", [n for n in REFUSED if n] + ALLOWED)
def test_own_access_pages_open_for_every_signed_in_user(request, client, url, name):
    as_user(request, client, name)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/access/", "/access/nda/", "/staff/access/", "/staff/access/trace/", "/staff/invitations/", "/staff/jobs/",
     "/account/updates/", "/staff/updates/", "/staff/updates/changes/1/", "/staff/updates/subscribers/1/export/"],
)  # fmt: skip
def test_signed_in_pages_send_anonymous_visitors_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize(
    "url", ["/staff/access/", "/staff/access/trace/", "/staff/invitations/", "/staff/jobs/", "/staff/updates/"]
)
@pytest.mark.parametrize("name", [n for n in NON_STAFF if n])
def test_staff_pages_are_refused_to_everyone_but_reviewers(request, client, url, name):
    as_user(request, client, name)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    "url", ["/staff/access/", "/staff/access/trace/", "/staff/invitations/", "/staff/jobs/", "/staff/updates/"]
)
@pytest.mark.parametrize("name", ["sales", "security_admin"])
def test_staff_pages_open_for_sales_and_security_admins(request, client, url, name):
    as_user(request, client, name)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url", ["/staff/access/", "/staff/access/trace/", "/staff/invitations/", "/staff/jobs/", "/staff/updates/"]
)
def test_staff_without_mfa_are_sent_to_set_it_up(client, staff_without_mfa, url):
    client.force_login(staff_without_mfa)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/documents/{doc}/download/"),
        ("put", "/documents/{doc}/download/"),
        ("post", "/documents/"),
        ("delete", "/access/"),
        ("get", "/access/request/"),
        ("get", "/staff/access/requests/1/approve/"),
        ("get", "/staff/access/requests/1/deny/"),
        ("get", "/staff/access/grants/1/revoke/"),
        ("get", "/staff/access/organizations/new/"),
        ("post", "/access/nda/signatures/1/pdf/"),
        ("post", "/staff/jobs/"),
        ("get", "/subprocessors/changes/1/object/"),
        ("get", "/staff/updates/subscribers/1/delete/"),
        ("post", "/staff/updates/subscribers/1/export/"),
        ("post", "/updates/"),
        ("put", "/updates/unsubscribe/x/"),
        ("delete", "/account/updates/"),
    ],
)
def test_wrong_http_methods_are_refused(client, security_admin, nda_document, method, url):
    client.force_login(security_admin)
    response = getattr(client, method)(url.format(doc=nda_document.pk))
    assert response.status_code == 405


@pytest.mark.parametrize("name", ["staff_without_mfa", "admin_flag_only", "customer", None])
def test_unlisted_documents_are_unknown_to_anyone_who_may_not_list_them(request, client, make_document, name):
    as_user(request, client, name)
    unlisted = make_document(title="Draft pentest findings", listed=False)
    assert client.get(f"/documents/{unlisted.pk}/download/").status_code == 404
    assert client.head(f"/documents/{unlisted.pk}/download/").status_code == 404
    assert "Draft pentest findings" not in client.get("/documents/").content.decode()


@pytest.mark.parametrize("name", ["sales", "security_admin"])
def test_staff_with_mfa_open_unlisted_documents(request, client, make_document, name):
    as_user(request, client, name)
    unlisted = make_document(title="Draft pentest findings", listed=False)
    assert client.get(f"/documents/{unlisted.pk}/download/").status_code == 200


@pytest.mark.parametrize("url", ["/staff/audit/", "/staff/audit/export.csv"])
@pytest.mark.parametrize("name", ["admin_flag_only", "customer"])
def test_the_audit_log_is_refused_to_non_staff(request, client, url, name):
    as_user(request, client, name)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("name", [n for n in NON_STAFF if n])
def test_only_reviewers_create_organizations(request, client, name):
    from trustcenter.access.models import Organization

    as_user(request, client, name)
    response = client.post("/staff/access/organizations/new/", {"name": "Sneaky Ltd", "domain": "sneaky.example"})
    assert response.status_code == 403
    assert not Organization.objects.filter(name="Sneaky Ltd").exists()


def test_anonymous_visitors_cannot_create_organizations(client):
    response = client.post("/staff/access/organizations/new/", {"name": "Sneaky Ltd", "domain": "sneaky.example"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", [n for n in NON_STAFF if n])
def test_staff_update_pages_for_one_change_and_one_subscriber_are_refused_to_non_staff(
    request, client, subprocessor_change, name
):
    from django.utils import timezone

    from trustcenter.updates.models import Subscriber

    now = timezone.now()
    subscriber = Subscriber.objects.create(email="someone@customer.example", created_at=now, confirmed_at=now)
    as_user(request, client, name)
    assert client.get(f"/staff/updates/changes/{subprocessor_change.pk}/").status_code == 403
    assert client.get(f"/staff/updates/subscribers/{subscriber.pk}/export/").status_code == 403
    assert client.post(f"/staff/updates/subscribers/{subscriber.pk}/delete/").status_code == 403
    assert Subscriber.objects.filter(pk=subscriber.pk).exists()


@pytest.mark.parametrize("name", ["sales", "security_admin"])
def test_staff_open_one_change_and_export_one_subscriber(request, client, subprocessor_change, name):
    from django.utils import timezone

    from trustcenter.updates.models import Subscriber

    now = timezone.now()
    subscriber = Subscriber.objects.create(email="someone@customer.example", created_at=now, confirmed_at=now)
    as_user(request, client, name)
    assert client.get(f"/staff/updates/changes/{subprocessor_change.pk}/").status_code == 200
    assert client.get(f"/staff/updates/subscribers/{subscriber.pk}/export/").json()["email"] == subscriber.email
