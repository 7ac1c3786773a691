"""The demo set-up `make run` performs: documents, organizations and access that work together."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from pypdf import PdfReader

from trustcenter.access.models import AccessGrant, Organization
from trustcenter.audit.models import AuditEvent
from trustcenter.documents.models import Document

pytestmark = pytest.mark.usefixtures("published", "private_storage")


def test_the_demo_customer_downloads_the_stamped_soc2_report_and_the_prospect_is_told_what_to_do(client):
    for command in ("demo_setup", "demo_documents", "demo_access", "demo_access"):
        call_command(command, stdout=io.StringIO())
    assert Organization.objects.get(name="Northwind Traders").nda_on_file
    customer = get_user_model().objects.get(email="customer@northwind.example")
    assert AccessGrant.objects.active().filter(user=customer).count() == 1
    soc2 = Document.objects.listed().get(kind="soc2_type2")

    client.force_login(customer)
    response = client.get(f"/documents/{soc2.pk}/download/")
    assert response.status_code == 200
    download_id = AuditEvent.objects.get(kind="document.downloaded").data["download_id"]
    pages = PdfReader(io.BytesIO(response.content)).pages
    assert len(pages) == soc2.page_count >= 40
    for page in pages:
        text = page.extract_text()
        assert "customer@northwind.example" in text and f"Download {download_id}" in text and "SAMPLE" in text

    prospect = get_user_model().objects.get(email="prospect@globex.example")
    client.force_login(prospect)
    response = client.get(f"/documents/{soc2.pk}/download/")
    assert response.status_code == 403
    assert "Sign the NDA to request access." in response.content.decode()
