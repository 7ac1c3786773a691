"""The whole path in a real browser (Chromium): sign up, confirm, sign the NDA, request access,
a security admin approves in the review queue, the user downloads a report stamped on every page."""

import io
import re

import pytest
from django.core import mail
from pypdf import PdfReader

from tests.conftest import totp_code
from trustcenter.audit.models import AuditEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "plain-sailing-harbour-17"


def submit(page):
    page.locator("main form button[type=submit]").first.click()


def test_a_new_user_gets_a_stamped_report_after_nda_request_and_approval(
    browser, live_server, published, private_storage, make_document, security_admin
):
    document = make_document(title="SOC 2 Type II report 2026", pages=4)
    base = live_server.url
    user_page = browser.new_context(accept_downloads=True).new_page()

    # Sign up and confirm the address with the link from the email.
    user_page.goto(f"{base}/accounts/signup/")
    user_page.fill("input[name=email]", "newcomer@globex.example")
    user_page.fill("input[name=password1]", PASSWORD)
    user_page.fill("input[name=password2]", PASSWORD)
    submit(user_page)
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body)[1]
    user_page.goto(base + link)
    submit(user_page)
    user_page.goto(f"{base}/accounts/login/?next=/documents/")
    user_page.fill("input[name=login]", "newcomer@globex.example")
    user_page.fill("input[name=password]", PASSWORD)
    submit(user_page)

    # The list says what to do next: sign the NDA.
    user_page.wait_for_url(f"{base}/documents/")
    card = user_page.locator(f"#document-{document.pk}")
    assert "Sign the NDA to request access." in card.inner_text()
    card.get_by_role("link", name="Read and sign the NDA").click()
    assert "1. Definitions" in user_page.locator(".nda-text").inner_text()
    user_page.fill("input[name=full_name]", "Nia Newcomer")
    user_page.fill("input[name=company]", "Globex Corporation")
    user_page.fill("input[name=job_title]", "Security Architect")
    user_page.check("input[name=consent]")
    submit(user_page)
    user_page.wait_for_url(re.compile(r".*/documents/$"))
    card = user_page.locator(f"#document-{document.pk}")
    card.get_by_role("link", name="Request access").click()
    user_page.fill("textarea[name=reason]", "Vendor review before signing the contract")
    submit(user_page)
    assert "Your request was sent." in user_page.content()

    # A security admin signs in with their authenticator code and approves in the queue.
    admin_page = browser.new_context().new_page()
    admin_page.goto(f"{base}/accounts/login/?next=/staff/access/")
    admin_page.fill("input[name=login]", security_admin.email)
    admin_page.fill("input[name=password]", "correct-horse-battery")
    submit(admin_page)
    admin_page.fill("input[name=code]", totp_code(security_admin.totp_secret))
    submit(admin_page)
    admin_page.wait_for_url(f"{base}/staff/access/")
    request_card = admin_page.locator("article", has_text="newcomer@globex.example")
    assert "Vendor review before signing the contract" in request_card.inner_text()
    request_card.get_by_role("button", name="Approve").click()
    assert "Approved newcomer@globex.example" in admin_page.content()

    # The user downloads the report: their email and the download id are on every page.
    user_page.goto(f"{base}/documents/")
    with user_page.expect_download() as download_info:
        user_page.locator(f"#document-{document.pk}").get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert re.fullmatch(
        r"kestrel-analytics-soc-2-type-ii-report-2026-\d{4}-\d{2}-\d{2}\.pdf", download.suggested_filename
    )
    data = open(download.path(), "rb").read()
    download_id = AuditEvent.objects.get(kind="document.downloaded").data["download_id"]
    pages = PdfReader(io.BytesIO(data)).pages
    assert len(pages) == 4
    for page in pages:
        text = page.extract_text()
        assert "newcomer@globex.example" in text and f"Download {download_id}" in text
