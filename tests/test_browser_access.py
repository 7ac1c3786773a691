"""Account and document pages in a real browser: axe-core finds no serious or critical problem.

The journeys through these pages (sign up, NDA, request, approval, download) are in the
gating and accounts browser tests; this file checks every page they pass through, signed out
and signed in, in English and German.
"""

import pytest

from tests.browser_support import WIDTHS, assert_definition_lists_aligned, sign_in, text_of
from tests.conftest import PASSWORD, _gate_user, sign_current_nda

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("live_published")]

ANONYMOUS_PAGES = [
    "/accounts/signup/",
    "/accounts/login/",
    "/accounts/password/reset/",
    "/documents/",
]
SIGNED_IN_PAGES = [
    "/documents/",
    "/access/",
    "/access/nda/",
    "/accounts/email/",
    "/accounts/password/change/",
]


@pytest.mark.parametrize("locale", ["en-GB", "de-DE"])
def test_account_and_document_pages_pass_axe_signed_out(visitor_factory, locale):
    visitor = visitor_factory(f"axe-accounts-{locale}", locale=locale)
    for path in ANONYMOUS_PAGES:
        visitor.goto(path)
        visitor.assert_accessible()


@pytest.mark.parametrize("locale", ["en-GB", "de-DE"])
def test_account_and_document_pages_pass_axe_signed_in(visitor_factory, prospect, locale):
    visitor = visitor_factory(f"axe-accounts-signed-in-{locale}", locale=locale)
    sign_in(visitor, prospect.email, PASSWORD)
    assert visitor.page.locator("html").get_attribute("lang") == locale[:2]
    for path in SIGNED_IN_PAGES:
        visitor.goto(path)
        visitor.assert_accessible()
        # German words run longer: no page may be wider than a phone (shot() checks 375 px too).
        visitor.shot(path.strip("/").replace("/", "-"))


@pytest.mark.parametrize("locale", ["en-GB", "de-DE"])
def test_access_details_read_as_one_term_and_value_a_row(visitor_factory, django_user_model, locale):
    from trustcenter.access.models import AccessRequest

    dana = _gate_user(django_user_model, "dana@acmebank.example", "Dana Reader", "Acme Bank")
    sign_current_nda(dana)
    AccessRequest.objects.create(user=dana, reason="Vendor review")
    visitor = visitor_factory(f"access-details-{locale}", locale=locale)
    sign_in(visitor, dana.email, PASSWORD)
    visitor.goto("/access/")
    for width in WIDTHS:
        visitor.page.set_viewport_size({"width": width, "height": 900})
        assert_definition_lists_aligned(visitor.page)
    rows = visitor.page.locator("main dl.details > div")
    assert rows.count() == 3
    # One pair a row: each starts below the previous one.
    tops = [rows.nth(i).bounding_box()["y"] for i in range(rows.count())]
    assert tops == sorted(tops) and len(set(tops)) == 3
    visitor.shot("access-details")


def test_sign_up_form_errors_are_announced_and_tied_to_their_fields(visitor_factory):
    visitor = visitor_factory("sign-up-errors")
    page = visitor.page
    visitor.goto("/accounts/signup/")
    page.locator("#id_email").fill("someone@globex.example")
    page.locator("#id_password1").fill("short")
    page.locator("#id_password2").fill("different")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    password = page.locator("#id_password1")
    assert password.get_attribute("aria-invalid") == "true"
    # Every id the field points to exists: its help text and its error message.
    described_by = password.get_attribute("aria-describedby").split()
    for element_id in described_by:
        assert page.locator(f"#{element_id}").count() == 1, element_id
    assert "at least 12 characters" in text_of(page, "#id_password1_error")
    visitor.assert_accessible()
    visitor.shot("sign-up-errors")
    assert "someone@globex.example" == page.locator("#id_email").input_value()  # nothing typed is lost
    assert text_of(page, "h1")
