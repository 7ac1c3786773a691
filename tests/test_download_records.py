"""Downloads: HEAD answers headers only and records nothing; public downloads are recorded;
every gated response (PDF, NDA page, refusal) is `private, no-store`."""

import io

import pytest
from pypdf import PdfReader

from trustcenter.audit.models import AuditEvent

pytestmark = pytest.mark.usefixtures("published", "private_storage")

NDA_POLICY = "/policies/network-architecture/"


def _private_no_store(response):
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    return {"private", "no-store"} <= directives


@pytest.fixture
def nda_document(make_document):
    return make_document(title="SOC 2 Type II report")


def test_head_on_a_download_answers_headers_only_and_records_nothing(client, customer, nda_document):
    client.force_login(customer)
    before = AuditEvent.objects.count()
    response = client.head(f"/documents/{nda_document.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content == b""
    assert _private_no_store(response)
    assert AuditEvent.objects.count() == before  # no stamp, no download id, no row
    # GET still records the download.
    client.get(f"/documents/{nda_document.pk}/download/")
    assert AuditEvent.objects.filter(kind="document.downloaded").count() == 1


def test_head_on_a_refused_download_records_nothing_either(client, prospect, nda_document):
    client.force_login(prospect)
    before = AuditEvent.objects.count()
    assert client.head(f"/documents/{nda_document.pk}/download/").status_code == 403
    assert AuditEvent.objects.count() == before


def test_public_downloads_are_recorded(client, make_document):
    public = make_document(title="SOC 3 report", kind="soc3", visibility="public")
    response = client.get(f"/documents/{public.pk}/download/")
    assert response.status_code == 200
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 3
    event = AuditEvent.objects.get(kind="document.downloaded_public")
    assert event.subject == f"document:{public.pk}"
    assert event.data["sha256"] == public.sha256


def test_gated_downloads_are_private_and_never_stored(client, customer, nda_document):
    client.force_login(customer)
    assert _private_no_store(client.get(f"/documents/{nda_document.pk}/download/"))


@pytest.mark.parametrize(
    "url", [NDA_POLICY, "/policies/network-architecture/v/1/", "/policies/network-architecture/changes/"]
)
def test_nda_pages_for_granted_readers_are_private_and_never_stored(client, customer, url):
    client.force_login(customer)
    response = client.get(url)
    assert response.status_code == 200
    assert _private_no_store(response)


def test_the_locked_nda_page_is_private_too(client, prospect):
    client.force_login(prospect)
    response = client.get(NDA_POLICY)
    assert response.status_code == 403
    assert _private_no_store(response)


def test_public_pages_stay_cacheable(client):
    response = client.get("/policies/data-protection/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
