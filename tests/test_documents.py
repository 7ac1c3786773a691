"""Documents: admin upload checks, private storage, the list page and public downloads."""

import datetime
import hashlib
import io

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from pypdf import PdfReader

from tests.pdfs import encrypted_pdf, make_pdf, page_texts
from trustcenter.documents.models import Document

pytestmark = pytest.mark.usefixtures("published", "private_storage")

ADD_URL = "/admin/documents/document/add/"
# A PDF header and end marker around a catalogue that points to pages that do not exist.
BROKEN_PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def upload(client, data: bytes, name: str = "report.pdf", **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    form = {
        "title": "SOC 2 Type II report 2026",
        "kind": "soc2_type2",
        "framework": "SOC 2",
        "issued": "2026-11-06",
        "visibility": "nda",
        "listed": "on",
        "file": SimpleUploadedFile(name, data, content_type="application/pdf"),
    }
    form.update(fields)
    return client.post(ADD_URL, form)


def test_staff_upload_a_real_pdf_and_its_facts_are_stored(client, security_admin, private_storage):
    client.force_login(security_admin)
    data = make_pdf(4)
    response = upload(client, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    document = Document.objects.get()
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.size == len(data)
    assert document.page_count == 4
    assert document.uploaded_by == security_admin
    stored = private_storage / document.file.name
    assert stored.read_bytes() == data
    # A random name in private storage, nothing of the uploaded name.
    assert "report" not in document.file.name


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("logo.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "is not a PDF"),
        ("notes.pdf", b"Quarterly notes\nnothing to see here\n" * 20, "Renaming a file to .pdf does not make it one"),
        ("empty.pdf", b"", "empty"),
        ("secret.pdf", None, "encrypted or password-protected"),
        ("cut.pdf", "truncated", "is incomplete"),
        ("broken.pdf", BROKEN_PDF, "could not be read as a PDF"),
    ],
)  # fmt: skip
def test_anything_but_a_readable_pdf_is_refused_with_the_reason(
    client, security_admin, private_storage, name, data, message
):
    client.force_login(security_admin)
    if data is None:
        data = encrypted_pdf()
    elif data == "truncated":
        full = make_pdf(3)
        data = full[: len(full) * 2 // 3]
    response = upload(client, data, name=name)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert name in html or message == "empty"
    assert Document.objects.count() == 0
    assert not any(private_storage.rglob("*.pdf"))


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(client, security_admin, settings, private_storage):
    data = make_pdf(2)
    settings.DOCUMENT_MAX_UPLOAD_BYTES = len(data) - 1
    client.force_login(security_admin)
    response = upload(client, data, name="big.pdf")
    assert response.status_code == 200
    assert "big.pdf is " in response.content.decode()
    assert "documents can be at most" in response.content.decode()
    assert Document.objects.count() == 0


def test_the_limit_is_50_megabytes_by_default(settings):
    assert settings.DOCUMENT_MAX_UPLOAD_BYTES == 50 * 1024 * 1024
    # The admin's request size limit leaves room for the rest of the form.
    assert settings.REQUEST_BODY_LIMITS["/admin/"] > settings.DOCUMENT_MAX_UPLOAD_BYTES


def test_the_stored_file_cannot_be_replaced_in_the_admin(client, security_admin, make_document):
    document = make_document()
    client.force_login(security_admin)
    page = client.get(f"/admin/documents/document/{document.pk}/change/").content.decode()
    assert 'type="file"' not in page
    assert document.sha256 in page


def test_a_sales_user_without_document_permissions_cannot_upload(client, sales):
    client.force_login(sales)
    assert client.get(ADD_URL).status_code == 403


def test_the_list_shows_every_listed_document_with_what_it_needs(client, make_document):
    make_document(title="SOC 2 Type II report 2026")
    make_document(
        title="ISO 27001 certificate", kind="iso27001_certificate", framework="ISO 27001", visibility="public"
    )
    html = client.get("/documents/").content.decode()
    assert "SOC 2 Type II report 2026" in html and "ISO 27001 certificate" in html
    assert "Public: no account needed." in html
    assert "Under NDA: sign in with a verified email address, sign the NDA and get access approved." in html


def test_a_newer_document_of_the_same_kind_and_framework_replaces_the_older_one(client, make_document):
    old = make_document(title="SOC 2 report 2025", issued=datetime.date(2025, 11, 7))
    new = make_document(title="SOC 2 report 2026", issued=datetime.date(2026, 11, 6))
    other = make_document(title="SOC 2 bridge letter", framework="SOC 2 bridge", issued=datetime.date(2025, 1, 1))
    html = client.get("/documents/").content.decode()
    assert "SOC 2 report 2026" in html and "SOC 2 bridge letter" in html
    assert "SOC 2 report 2025" not in html
    assert set(Document.objects.listed()) == {new, other}
    assert old in Document.objects.all()


def test_an_unlisted_document_is_not_listed_and_unknown_to_visitors(client, make_document, security_admin):
    hidden = make_document(title="Draft report", visibility="public", listed=False)
    assert "Draft report" not in client.get("/documents/").content.decode()
    assert client.get(f"/documents/{hidden.pk}/download/").status_code == 404
    assert hidden in Document.objects.visible_to(security_admin)


def test_an_expired_document_is_shown_as_expired(client, make_document):
    make_document(title="Insurance certificate", kind="insurance_certificate", expires=datetime.date(2026, 6, 30),
                  issued=datetime.date(2025, 6, 20))  # fmt: skip
    with time_machine.travel(datetime.datetime(2026, 11, 29, 12, tzinfo=datetime.UTC)):
        html = client.get("/documents/").content.decode()
    assert "Expired on" in html and 'class="badge badge-expired"' in html
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC)):
        html = client.get("/documents/").content.decode()
    assert "Valid until" in html and "badge-expired" not in html


def test_a_public_document_downloads_as_an_unchanged_attachment(client, make_document):
    document = make_document(title="ISO 27001 certificate", kind="iso27001_certificate", visibility="public")
    with time_machine.travel(datetime.datetime(2026, 11, 29, 12, tzinfo=datetime.UTC)):
        response = client.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="kestrel-analytics-iso-27001-certificate-2026-11-29.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert hashlib.sha256(response.content).hexdigest() == document.sha256


def test_an_nda_document_is_refused_with_the_next_step(client, make_document, prospect):
    document = make_document()
    for user in (None, prospect):
        if user:
            client.force_login(user)
        response = client.get(f"/documents/{document.pk}/download/")
        assert response.status_code == 403
        assert response["Content-Type"].startswith("text/html")
        assert b"%PDF" not in response.content


def test_download_answers_only_get_and_head(client, make_document):
    document = make_document(visibility="public")
    assert client.post(f"/documents/{document.pk}/download/").status_code == 405
    assert client.get("/documents/999999/download/").status_code == 404


def test_downloads_are_rate_limited(client, make_document, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "download_user": "2/h"}
    document = make_document(visibility="public")
    assert client.get(f"/documents/{document.pk}/download/").status_code == 200
    assert client.get(f"/documents/{document.pk}/download/").status_code == 200
    response = client.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_demo_documents_are_realistic_samples_and_created_once(private_storage):
    call_command("demo_documents", stdout=io.StringIO())
    documents = {d.kind: d for d in Document.objects.all() if d.listed}
    assert Document.objects.count() == 5
    soc2 = Document.objects.listed().get(kind="soc2_type2")
    assert soc2.period_end == datetime.date(2026, 9, 30)
    assert soc2.page_count >= 40
    with soc2.file.open("rb") as handle:
        texts = page_texts(handle.read())
    assert all("SAMPLE" in text for text in texts)
    full = " ".join("\n".join(texts).split())  # line breaks fall anywhere in table cells
    for section in ("Independent Service Auditor's Report", "Opinion", "Description of the System",
                    "Tests of Controls", "CC6.1", "No exceptions noted."):  # fmt: skip
        assert section in full
    assert {"iso27001_certificate", "pentest_summary"} <= set(documents)
    with documents["iso27001_certificate"].file.open("rb") as handle:
        assert "ISO/IEC 27001:2022" in PdfReader(handle).pages[0].extract_text()
    call_command("demo_documents", stdout=io.StringIO())
    assert Document.objects.count() == 5


def test_a_signed_in_reader_sees_their_own_next_step_not_the_general_rule(client, make_document, expired_customer):
    make_document(title="SOC 2 Type II report 2026")
    client.force_login(expired_customer)
    html = client.get("/documents/").content.decode()
    assert "Ask again to renew it." in html and "Renew access" in html
    assert "sign the NDA and get access approved" not in html
