"""Gated documents in a real browser (Chromium), three journeys:

(b) A new user signs up, confirms the address from the captured email, signs the NDA and
    requests access; a security admin approves in the review queue; the user downloads the
    SOC 2 report stamped on every page.
(d) A customer whose access has expired is told so, and how to renew, and asks again.
(e) Sales invite a prospect, who accepts from the emailed link, signs the NDA and downloads.

Every page on the way is checked with axe-core (sign-up, NDA, request, documents and download,
review queue, invitations) and photographed at 1280 and 375 px under var/screenshots/<journey>/.
"""

import io
import re
from pathlib import Path

import pytest
from django.core import mail
from pypdf import PdfReader

from tests.browser_support import assert_definition_lists_aligned, sign_in
from tests.conftest import PASSWORD
from trustcenter.access.models import AccessRequest
from trustcenter.audit.models import AuditEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "plain-sailing-harbour-17"
STAMPED_NAME = re.compile(r"kestrel-analytics-soc-2-type-ii-report-2026-\d{4}-\d{2}-\d{2}\.pdf")


def submit(page):
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def check(visitor, name):
    """axe-core on the page, then a screenshot at both widths."""
    visitor.assert_accessible()
    visitor.shot(name)


def sign_nda(visitor, *, name, company, title):
    page = visitor.page
    assert "1. Definitions" in page.locator(".nda-text").inner_text()
    check(visitor, "nda")
    page.fill("input[name=full_name]", name)
    page.fill("input[name=company]", company)
    page.fill("input[name=job_title]", title)
    page.check("input[name=consent]")
    submit(page)


def download_stamped(visitor, document, email) -> list[str]:
    """Download from the document's card; the text of each page of the file the browser saved."""
    page = visitor.page
    with page.expect_download() as download_info:
        page.locator(f"#document-{document.pk}").get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert STAMPED_NAME.fullmatch(download.suggested_filename), download.suggested_filename
    texts = [p.extract_text() for p in PdfReader(io.BytesIO(Path(download.path()).read_bytes())).pages]
    download_id = AuditEvent.objects.filter(kind="document.downloaded").latest("pk").data["download_id"]
    for text in texts:
        assert email in text and f"Download {download_id}" in text
    return texts


def approve_in_queue(visitor, admin, email, reason):
    page = visitor.page
    sign_in(visitor, admin.email, PASSWORD, next_url="/staff/access/", totp_secret=admin.totp_secret)
    request_card = page.locator("article", has_text=email)
    assert reason in request_card.inner_text()
    check(visitor, "review-queue")
    request_card.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    assert f"Approved {email}" in page.content()
    visitor.shot("approved")


def test_b_a_new_user_gets_a_stamped_report_after_nda_request_and_approval(
    visitor_factory, published, make_document, security_admin
):
    document = make_document(title="SOC 2 Type II report 2026", pages=4)
    user = visitor_factory("b-sign-up-to-download")
    page = user.page

    # Sign up and confirm the address with the link from the email.
    user.goto("/accounts/signup/")
    check(user, "sign-up")
    page.fill("input[name=email]", "newcomer@globex.example")
    page.fill("input[name=password1]", NEW_PASSWORD)
    page.fill("input[name=password2]", NEW_PASSWORD)
    submit(page)
    user.shot("check-your-email")
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body)[1]
    user.goto(link)
    check(user, "confirm-email")
    submit(page)
    sign_in(user, "newcomer@globex.example", NEW_PASSWORD, next_url="/documents/")

    # The list says what to do next: sign the NDA, then ask.
    card = page.locator(f"#document-{document.pk}")
    assert "Sign the NDA to request access." in card.inner_text()
    check(user, "documents-locked")
    card.get_by_role("link", name="Read and sign the NDA").click()
    sign_nda(user, name="Nia Newcomer", company="Globex Corporation", title="Security Architect")
    page.wait_for_url(re.compile(r".*/documents/$"))
    card = page.locator(f"#document-{document.pk}")
    card.get_by_role("link", name="Request access").click()
    check(user, "request")
    page.fill("textarea[name=reason]", "Vendor review before signing the contract")
    submit(page)
    assert "Your request was sent." in page.content()
    check(user, "request-sent")

    # A security admin signs in with their authenticator code and approves in the queue.
    admin = visitor_factory("b-sign-up-to-download-reviewer")
    approve_in_queue(admin, security_admin, "newcomer@globex.example", "Vendor review before signing the contract")

    # The user downloads the report: their email and the download id are on every page.
    user.goto("/documents/")
    assert "Unlocked for you" in page.locator(f"#document-{document.pk}").inner_text()
    check(user, "documents-unlocked")
    assert len(download_stamped(user, document, "newcomer@globex.example")) == 4


def test_d_a_customer_whose_access_expired_is_told_how_to_renew(
    visitor_factory, expired_customer, make_document, security_admin
):
    document = make_document(title="SOC 2 Type II report 2026", pages=2)
    user = visitor_factory("d-expired-grant")
    page = user.page
    sign_in(user, expired_customer.email, PASSWORD, next_url="/documents/")

    card = page.locator(f"#document-{document.pk}")
    text = card.inner_text()
    assert re.search(r"Your access expired on \d{1,2} \w+ \d{4}\. Ask again to renew it\.", text), text
    assert card.get_by_role("link", name="Download PDF").count() == 0
    check(user, "documents-expired")
    # Following the link to the document directly says the same, with the same way out.
    user.goto(f"/documents/{document.pk}/download/", status=403)
    assert "Ask again to renew it." in page.content()
    check(user, "download-refused")

    user.goto("/documents/")
    page.locator(f"#document-{document.pk}").get_by_role("link", name="Renew access").click()
    page.wait_for_url(user.url("/access/"))
    assert "Ask again to renew it." in page.content()
    check(user, "renew")
    page.fill("textarea[name=reason]", "Annual vendor review, 2026")
    submit(page)
    assert "Your request was sent." in page.content()
    check(user, "renewal-sent")
    renewal = AccessRequest.objects.filter(user=expired_customer).latest("created_at")
    assert renewal.status == "pending" and renewal.reason == "Annual vendor review, 2026"

    user.goto("/documents/")
    assert "is waiting for review" in page.locator(f"#document-{document.pk}").inner_text()
    user.shot("documents-pending")

    # Approved again, the same customer downloads a stamped copy.
    admin = visitor_factory("d-expired-grant-reviewer")
    approve_in_queue(admin, security_admin, expired_customer.email, "Annual vendor review, 2026")
    user.goto("/documents/")
    assert len(download_stamped(user, document, expired_customer.email)) == 2
    user.shot("downloaded")


def test_e_sales_invite_a_prospect_who_accepts_and_downloads(visitor_factory, published, make_document, sales):
    document = make_document(title="SOC 2 Type II report 2026", pages=3)
    seller = visitor_factory("e-invitation-sales")
    page = seller.page
    sign_in(seller, sales.email, PASSWORD, next_url="/staff/invitations/", totp_secret=sales.totp_secret)
    check(seller, "invite")
    page.fill("input[name=email]", "pat@initech.example")
    page.fill("input[name=days]", "90")
    page.fill("textarea[name=message]", "Here is the SOC 2 report we talked about on Tuesday.")
    submit(page)
    assert "Invitation sent to pat@initech.example" in page.content()
    check(seller, "invitation-sent")

    invitation_mail = mail.outbox[-1]
    assert invitation_mail.to == ["pat@initech.example"]
    assert "Here is the SOC 2 report we talked about on Tuesday." in invitation_mail.body
    link = re.search(r"https?://[^/\s]+(/access/invitations/[^\s]+/)", invitation_mail.body)[1]

    prospect = visitor_factory("e-invitation-prospect")
    page = prospect.page
    prospect.goto(link)
    check(prospect, "invitation")
    page.fill("input[name=full_name]", "Pat Prospect")
    page.fill("input[name=company]", "Initech")
    page.fill("input[name=password1]", NEW_PASSWORD)
    page.fill("input[name=password2]", NEW_PASSWORD)
    submit(page)
    # Access is approved by the invitation; the NDA is still asked for (the default).
    assert "Your access is approved. Sign the NDA to start downloading." in page.content()
    sign_nda(prospect, name="Pat Prospect", company="Initech", title="IT Director")
    page.wait_for_url(re.compile(r".*/documents/$"))
    assert "Unlocked for you" in page.locator(f"#document-{document.pk}").inner_text()
    check(prospect, "documents-unlocked")
    assert len(download_stamped(prospect, document, "pat@initech.example")) == 3

    # The link worked once: opened again, it says so.
    prospect.context.clear_cookies()
    prospect.goto(link, status=410)
    assert "This invitation was already used on" in page.content()
    check(prospect, "invitation-used")


@pytest.mark.parametrize("locale", ["en-GB", "de-DE"])
def test_staff_create_the_organization_of_an_unknown_domain_from_the_review_queue(
    visitor_factory, published, pending_requester, sales, locale
):
    reviewer = visitor_factory(f"review-new-organization-{locale}", locale=locale)
    page = reviewer.page
    sign_in(reviewer, sales.email, PASSWORD, next_url="/staff/access/", totp_secret=sales.totp_secret)
    card_id = f"#request-{AccessRequest.objects.get(user=pending_requester).pk}"
    card = page.locator(card_id)
    card.locator("details.new-organization summary").click()
    assert card.locator("input[name=name]").input_value() == "Pending Ltd"
    reviewer.assert_accessible()
    assert_definition_lists_aligned(page)
    reviewer.shot("offered")
    card.get_by_role("button", name="Organisation anlegen" if locale == "de-DE" else "Create organization").click()
    page.wait_for_load_state()
    assert "Pending Ltd" in page.locator(card_id).inner_text()
    reviewer.assert_accessible()
    reviewer.shot("created")
