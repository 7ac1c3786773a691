"""Downloads: stamped on every page, traced to an audit row, never cached, rate-limited."""

import datetime
import hashlib
import io
import re

import pytest
import time_machine
from django.core.cache import cache
from pypdf import PdfReader

from tests.conftest import give_grant
from trustcenter.audit.models import AuditEvent

pytestmark = pytest.mark.usefixtures("published", "private_storage")

NOW = datetime.datetime(2026, 11, 29, 10, 30, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_every_page_names_the_recipient_and_a_download_id_from_the_audit_log(client, customer, make_document):
    document = make_document(title="SOC 2 Type II report", pages=12)
    client.force_login(customer)
    with time_machine.travel(NOW):
        response = client.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 200
    event = AuditEvent.objects.filter(kind="document.downloaded").get()
    download_id = event.data["download_id"]
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", download_id)
    assert event.actor == customer and event.subject == f"document:{document.pk}"
    assert event.data["sha256"] == document.sha256
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 12
    for number, page in enumerate(reader.pages):
        text = page.extract_text()
        assert f"Confidential text {number}." in text  # the document itself is still there
        assert "Casey Customer <casey@northwind.example>" in text
        assert "Northwind Traders" in text
        assert "Downloaded 2026-11-29" in text
        assert f"Download {download_id}" in text


def test_the_stored_original_never_changes(client, customer, make_document, private_storage):
    document = make_document()
    client.force_login(customer)
    client.get(f"/documents/{document.pk}/download/")
    stored = (private_storage / document.file.name).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == document.sha256


def test_each_download_gets_its_own_id(client, customer, make_document):
    document = make_document()
    client.force_login(customer)
    client.get(f"/documents/{document.pk}/download/")
    client.get(f"/documents/{document.pk}/download/")
    ids = [e.data["download_id"] for e in AuditEvent.objects.filter(kind="document.downloaded")]
    assert len(ids) == 2 and ids[0] != ids[1]


def test_the_response_is_an_uncached_attachment_with_a_dated_server_built_name(client, customer, make_document):
    document = make_document(title='SOC 2 "Type II" report / 2026')
    client.force_login(customer)
    with time_machine.travel(NOW):
        response = client.get(f"/documents/{document.pk}/download/")
    assert response["Content-Disposition"] == (
        'attachment; filename="kestrel-analytics-soc-2-type-ii-report-2026-2026-11-29.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"


def test_a_refused_download_is_audited_with_its_reason(client, nda_signer, make_document):
    document = make_document()
    client.force_login(nda_signer)
    assert client.get(f"/documents/{document.pk}/download/").status_code == 403
    event = AuditEvent.objects.get(kind="document.download_refused")
    assert event.actor == nda_signer and event.data["reason"] == "request_access"


def test_the_rule_is_asked_on_every_request_so_a_revoked_grant_stops_the_next_download(
    client, customer, make_document, sales
):
    document = make_document()
    client.force_login(customer)
    assert client.get(f"/documents/{document.pk}/download/").status_code == 200
    grant = customer.access_grants.get()
    from trustcenter.access.services import grant_revoke

    grant_revoke(grant=grant, actor=sales, reason="Contract ended")
    assert client.get(f"/documents/{document.pk}/download/").status_code == 403


def test_a_grant_expires_at_its_time(client, customer, make_document):
    document = make_document()
    grant = customer.access_grants.get()
    with time_machine.travel(grant.expires_at - datetime.timedelta(minutes=1)):
        client.force_login(customer)
        assert client.get(f"/documents/{document.pk}/download/").status_code == 200
    with time_machine.travel(grant.expires_at + datetime.timedelta(minutes=1)):
        response = client.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 403
    assert "Your access expired on" in response.content.decode()


def test_downloads_are_limited_per_user_and_refusals_do_not_count(
    client, customer, nda_signer, make_document, settings
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "download_user": "2/h"}
    document = make_document()
    client.force_login(nda_signer)
    for _ in range(3):
        assert client.get(f"/documents/{document.pk}/download/").status_code == 403
    client.force_login(customer)
    assert client.get(f"/documents/{document.pk}/download/").status_code == 200
    assert client.get(f"/documents/{document.pk}/download/").status_code == 200
    response = client.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_a_withdrawn_document_is_unknown_to_customers(client, customer, make_document):
    document = make_document(listed=False)
    client.force_login(customer)
    assert client.get(f"/documents/{document.pk}/download/").status_code == 404


def test_an_older_report_replaced_in_the_list_can_still_be_downloaded_by_staff_only(
    client, customer, security_admin, make_document
):
    old = make_document(title="SOC 2 2025", issued=datetime.date(2025, 11, 7))
    make_document(title="SOC 2 2026", issued=datetime.date(2026, 11, 6))
    client.force_login(customer)
    assert client.get(f"/documents/{old.pk}/download/").status_code == 404
    client.force_login(security_admin)
    assert client.get(f"/documents/{old.pk}/download/").status_code == 200


def test_an_organization_nda_on_file_replaces_the_click_through(client, django_user_model, make_document):
    from allauth.account.models import EmailAddress

    from trustcenter.access.models import Organization

    organization = Organization.objects.create(name="Initech", nda_on_file=True, nda_on_file_note="Signed 2026-03-01")
    organization.domains.create(domain="initech.example")
    user = django_user_model.objects.create_user(email="ian@initech.example", password="x" * 16, full_name="Ian")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    give_grant(user, organization=organization)
    document = make_document()
    client.force_login(user)
    response = client.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 200
    # The stamp falls back to the organization's name when the person gave no company.
    assert "Initech" in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


def test_anonymous_refusals_are_limited_per_address(client, make_document, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "download_user": "2/h"}
    document = make_document()
    assert client.get(f"/documents/{document.pk}/download/").status_code == 403
    assert client.get(f"/documents/{document.pk}/download/").status_code == 403
    assert client.get(f"/documents/{document.pk}/download/").status_code == 429
    assert AuditEvent.objects.filter(kind="document.download_refused").count() == 2


def test_staff_trace_a_download_id_from_a_leaked_copy_to_its_reader(client, customer, sales, make_document):
    document = make_document(title="SOC 2 Type II report")
    client.force_login(customer)
    response = client.get(f"/documents/{document.pk}/download/")
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    download_id = re.search(r"Download ([0-9A-Z]{4}-[0-9A-Z]{4})", text)[1]
    client.force_login(sales)
    for typed in (download_id, download_id.replace("-", "").lower()):
        page = client.get("/staff/access/trace/", {"id": typed}).content.decode()
        assert "casey@northwind.example" in page and "SOC 2 Type II report" in page
    assert (
        "No download has the id ZZZZ-ZZZZ" in client.get("/staff/access/trace/", {"id": "ZZZZ-ZZZZ"}).content.decode()
    )
    client.force_login(customer)
    assert client.get("/staff/access/trace/", {"id": download_id}).status_code == 403
