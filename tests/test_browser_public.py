"""The public trust center in a real browser: a prospect's journey, accessibility, layout.

Journey (a): a prospect browses, searches, reads a policy, compares two versions and
downloads the dated PDF.
Every page is checked with axe-core; every step is photographed at 1280 and 375 px under
var/screenshots/public/.
"""

import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tests.browser_support import text_of

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("live_published")]

PUBLIC_PAGES = [
    "/",
    "/policies/data-protection/",
    "/policies/data-protection/v/1/",
    "/policies/data-protection/changes/?from=1&to=3",
    "/policies/network-architecture/",  # NDA: the lock page
    "/changes/",
    "/search/?q=encryption",
    "/search/?q=zzzz-nothing",
    "/no-such-page/",
]


def test_a_prospect_browses_searches_reads_and_compares(visitor_factory):
    visitor = visitor_factory("public")
    page = visitor.page

    visitor.goto("/")
    assert text_of(page, "h1") == "Product analytics that product, data and security teams can all sign off on."
    badges = page.locator(".cert-badges li")
    assert badges.count() >= 4 and "SOC 2 Type II" in badges.first.inner_text()
    visitor.shot("overview")

    # Navigation by category jumps to that category's policies.
    page.locator(".category-nav").get_by_role("link", name=re.compile("^Data protection and encryption")).click()
    assert page.url.endswith("#cat-data-protection")
    assert page.locator("#cat-data-protection").is_visible()

    # Search from the header.
    page.get_by_role("searchbox", name="Search policies").fill("encryption")
    page.get_by_role("searchbox", name="Search policies").press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=encryption"))
    assert re.match(r"\d+ results? for encryption", text_of(page, "[role=status]"))
    visitor.shot("search")

    # Read a policy, jump through its contents.
    page.get_by_role("link", name="Data Protection and Encryption").first.click()
    page.wait_for_url(re.compile("/policies/data-protection/$"))
    toc = page.get_by_role("navigation", name="On this page")
    first_section = toc.get_by_role("link").first
    target = first_section.get_attribute("href")
    first_section.click()
    assert page.url.endswith(target)
    assert page.locator(target).is_visible()
    visitor.shot("policy")

    # Compare two versions: what changed in v3, then v1 against v3 with the form.
    page.get_by_role("link", name="What changed in v3").click()
    page.wait_for_url(re.compile(r"/changes/\?from=2&to=3"))
    page.get_by_label("Compare").select_option("1")
    page.get_by_label("with").select_option("3")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(re.compile(r"from=1&to=3"))
    assert "From v1 to v3" in text_of(page, "main h2")
    assert page.locator(".diff ins").count() > 0 and page.locator(".diff del").count() > 0
    visitor.shot("compare")

    # Back to the policy, download today's PDF of the current version and read it back.
    page.get_by_role("link", name="v3").first.click()
    page.wait_for_url(re.compile("/policies/data-protection/v/3/$"))
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    today = timezone.localdate().isoformat()
    assert download.suggested_filename == f"kestrel-analytics-data-protection-v3-{today}.pdf"
    reader = PdfReader(io.BytesIO(download.path().read_bytes()))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Data Protection and Encryption" in text and "Version 3" in text
    assert f"Exported {today}" in text
    visitor.shot("pdf-downloaded")


def test_every_public_page_passes_axe_in_light_and_dark(visitor_factory):
    for scheme in ("light", "dark"):
        visitor = visitor_factory(f"axe-{scheme}", color_scheme=scheme)
        for path in PUBLIC_PAGES:
            status = 404 if path == "/no-such-page/" else 403 if "network-architecture" in path else 200
            visitor.goto(path, status=status)
            visitor.assert_accessible()


def test_the_german_interface_passes_axe_and_keeps_content_in_english(visitor_factory):
    visitor = visitor_factory("german", locale="de-DE")
    page = visitor.page
    visitor.goto("/")
    assert page.locator("html").get_attribute("lang") == "de"
    assert text_of(page, "#policies-heading") == "Sicherheitsrichtlinien"
    visitor.assert_accessible()
    visitor.shot("overview-de")
    visitor.goto("/policies/data-protection/")
    assert page.locator("h1").get_attribute("lang") == "en"
    visitor.assert_accessible()
    visitor.shot("policy-de")


def test_the_language_link_switches_and_is_remembered(visitor_factory):
    visitor = visitor_factory("language")
    page = visitor.page
    visitor.goto("/policies/data-protection/")
    page.get_by_role("link", name="Deutsch").click()
    page.wait_for_url(re.compile("/policies/data-protection/$"))
    assert text_of(page, "#toc-heading") == "Auf dieser Seite"
    visitor.goto("/changes/")
    assert text_of(page, "h1") == "Änderungen an Richtlinien"
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile("/changes/$"))
    assert text_of(page, "h1") == "Policy changes"


def test_keyboard_users_can_skip_to_the_content_and_see_focus(visitor_factory):
    visitor = visitor_factory("keyboard")
    page = visitor.page
    visitor.goto("/policies/data-protection/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0, "the skip link must be on screen when focused"
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab goes into the content, not back to the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


@pytest.mark.parametrize("width", [360, 1440])
def test_no_page_is_wider_than_the_screen(visitor_factory, width):
    visitor = visitor_factory(f"width-{width}")
    visitor.page.set_viewport_size({"width": width, "height": 800})
    for path in PUBLIC_PAGES:
        status = 404 if path == "/no-such-page/" else 403 if "network-architecture" in path else 200
        visitor.goto(path, status=status)
        overflow = visitor.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} overflows a {width}px screen by {overflow}px"


def test_the_print_stylesheet_leaves_only_the_policy(visitor_factory):
    visitor = visitor_factory("print")
    page = visitor.page
    visitor.goto("/policies/data-protection/")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".toc").is_visible()
    assert page.locator(".prose").is_visible()
    assert page.locator(".print-only").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
