"""The NDA: published from content/nda.md, signed by click-through, kept as evidence, re-signed when it changes."""

import datetime
import hashlib
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from trustcenter.access.models import NdaSignature, NdaVersion
from trustcenter.audit.models import AuditEvent
from trustcenter.policies.services import content_publish

pytestmark = pytest.mark.usefixtures("private_storage")

NOW = datetime.datetime(2026, 11, 29, 9, 15, 30, tzinfo=datetime.UTC)


def sign(client, **changes):
    nda = NdaVersion.objects.current()
    data = {
        "full_name": "Pat Prospect",
        "company": "Prospect Co",
        "job_title": "Head of Security",
        "consent": "on",
        "shown_sha256": nda.text_sha256,
        "next": "/documents/",
    }
    data.update(changes)
    return client.post(
        "/access/nda/", data, HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux) Firefox/140.0", REMOTE_ADDR="198.51.100.23"
    )


def bump_nda(content_dir, *, version=2, extra="\n## 9. Added clause\n\nA new obligation.\n"):
    path = content_dir / "nda.md"
    text = path.read_text().replace("version: 1", f"version: {version}") + extra
    path.write_text(text)
    return content_publish(root=content_dir)


def test_publish_creates_the_nda_with_its_own_version_once(published):
    nda = NdaVersion.objects.get()
    assert nda.version == 1 and nda.title == "Non-Disclosure Agreement for Security Documentation"
    assert nda.text_sha256 == hashlib.sha256(nda.body_html.encode()).hexdigest()
    assert "<h2" in nda.body_html
    report = content_publish(root=published)
    assert not any("NDA" in line for line in report.lines)
    assert NdaVersion.objects.count() == 1


def test_changed_nda_text_under_the_same_version_is_refused_with_file_and_line(published):
    path = published / "nda.md"
    path.write_text(path.read_text() + "\nSneaky extra sentence.\n")
    with pytest.raises(CommandError):
        call_command("publish", str(published), stdout=io.StringIO(), stderr=(err := io.StringIO()))
    expected = f"{published.name}/nda.md:3: NDA version 1 already published with other text; set `version: 2`"
    assert expected in err.getvalue()
    assert NdaVersion.objects.count() == 1


def test_a_broken_nda_file_fails_publish_check(db, content_dir, settings):
    path = content_dir / "nda.md"
    path.write_text(path.read_text().replace("version: 1", "version: one"))
    with pytest.raises(CommandError):
        call_command("publish", str(content_dir), "--check", stdout=io.StringIO(), stderr=(err := io.StringIO()))
    assert "nda.md:3: `version` must be a whole number" in err.getvalue()


def test_the_signing_page_shows_the_whole_nda_and_asks_for_name_company_title_and_consent(client, published, prospect):
    client.force_login(prospect)
    html = client.get("/access/nda/").content.decode()
    nda = NdaVersion.objects.current()
    assert nda.body_html in html
    for field in ('name="full_name"', 'name="company"', 'name="job_title"', 'name="consent"', nda.text_sha256):
        assert field in html


def test_signing_stores_the_evidence(client, published, prospect):
    client.force_login(prospect)
    with time_machine.travel(NOW, tick=False):
        response = sign(client)
    assert response.status_code == 302 and response["Location"] == "/documents/"
    signature = NdaSignature.objects.get(user=prospect)
    nda = NdaVersion.objects.current()
    assert signature.nda == nda
    assert signature.text_sha256 == nda.text_sha256
    assert (signature.full_name, signature.company, signature.job_title) == (
        "Pat Prospect",
        "Prospect Co",
        "Head of Security",
    )
    assert signature.signed_at == NOW
    assert signature.ip == "198.51.100.23"
    assert signature.user_agent == "Mozilla/5.0 (X11; Linux) Firefox/140.0"
    event = AuditEvent.objects.get(kind="nda.signed")
    assert event.actor == prospect and event.data["text_sha256"] == nda.text_sha256


def test_nothing_is_signed_without_the_consent_box(client, published, prospect):
    client.force_login(prospect)
    response = sign(client, consent="")
    assert response.status_code == 200
    assert "Tick the box to accept the agreement" in response.content.decode()
    assert not NdaSignature.objects.exists()


@pytest.mark.parametrize("field", ["full_name", "company", "job_title"])
def test_name_company_and_job_title_are_required(client, published, prospect, field):
    client.force_login(prospect)
    response = sign(client, **{field: "  "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not NdaSignature.objects.exists()


def test_a_signature_for_text_other_than_the_current_one_is_refused(client, published, prospect):
    client.force_login(prospect)
    response = sign(client, shown_sha256="0" * 64)
    assert response.status_code == 302
    assert not NdaSignature.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "The NDA changed while you were reading it" in page


def test_the_signer_downloads_a_pdf_of_what_they_signed(client, published, prospect):
    client.force_login(prospect)
    with time_machine.travel(NOW, tick=False):
        sign(client)
    signature = NdaSignature.objects.get(user=prospect)
    response = client.get(f"/access/nda/signatures/{signature.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="nda-v1-signed-2026-11-29.pdf"'
    assert "no-store" in response["Cache-Control"]
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split())
    for fact in ("Non-Disclosure Agreement for Security Documentation", "1.1", "Confidential Information",
                 "Pat Prospect", "Head of Security", "Prospect Co", "pat@prospect.example",
                 "2026-11-29 09:15:30 UTC", "198.51.100.23", "Firefox/140.0"):  # fmt: skip
        assert fact in text
    assert signature.text_sha256 in text.replace(" ", "")


def test_another_users_signed_copy_is_not_found(client, customer, other_customer):
    signature = NdaSignature.objects.get(user=other_customer)
    client.force_login(customer)
    assert client.get(f"/access/nda/signatures/{signature.pk}/pdf/").status_code == 404


def test_a_new_nda_version_asks_for_a_new_signature_before_the_next_download(
    client, customer, make_document, content_dir
):
    document = make_document()
    client.force_login(customer)
    assert client.get(f"/documents/{document.pk}/download/").status_code == 200
    report = bump_nda(content_dir)
    assert "created: NDA v2" in " ".join(report.lines)
    response = client.get(f"/documents/{document.pk}/download/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "The NDA has changed since you signed version 1. Read and sign version 2 to continue." in html
    page = client.get("/access/nda/").content.decode()
    assert "A new obligation." in page and "The NDA has changed since you signed version 1" in page
    sign(client, full_name="Casey Customer", company="Northwind Traders")
    assert client.get(f"/documents/{document.pk}/download/").status_code == 200
    # The first signature stays as evidence next to the new one.
    assert sorted(customer.nda_signatures.values_list("nda__version", flat=True)) == [1, 2]


def test_signing_twice_keeps_the_first_signature(client, published, prospect):
    client.force_login(prospect)
    sign(client)
    first = NdaSignature.objects.get()
    sign(client, full_name="Someone Else")
    assert NdaSignature.objects.get() == first
    assert first.full_name == "Pat Prospect"


def test_the_admin_shows_signatures_read_only(client, security_admin, customer):
    client.force_login(security_admin)
    signature = NdaSignature.objects.get(user=customer)
    page = client.get(f"/admin/access/ndasignature/{signature.pk}/change/")
    assert page.status_code == 200
    assert client.post(f"/admin/access/ndasignature/{signature.pk}/delete/", {"post": "yes"}).status_code == 403
    assert NdaSignature.objects.filter(pk=signature.pk).exists()
