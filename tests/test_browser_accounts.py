"""Account flows in a real browser (Chromium through Playwright): sign up, confirm, sign in and
out; staff set up MFA before the admin opens. Nothing may break the Content-Security-Policy."""

import os
import re
import shutil

import pytest
from django.core import mail

from tests.conftest import PASSWORD, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def browser_page():
    """A headless Chromium page that collects console errors (CSP violations among them)."""
    if not os.path.exists(CHROMIUM):
        message = "Chromium is not installed: `make test` installs it on Debian/Ubuntu (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        problems = []
        # Console errors (a CSP violation is one) and failed responses; Chromium's own
        # /favicon.ico probe on admin pages (which link no icon) is not the site's doing.
        page.on(
            "console",
            lambda msg: (
                msg.type == "error" and not msg.text.startswith("Failed to load resource") and problems.append(msg.text)
            ),
        )
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on(
            "requestfinished",
            lambda request: (
                (response := request.response()) is not None
                and response.status >= 400
                and not request.url.endswith("/favicon.ico")
                and problems.append(f"{response.status} {request.url}")
            ),
        )
        page.problems = problems
        yield page
        browser.close()


def test_a_visitor_signs_up_confirms_signs_in_and_out(live_server, published, browser_page):
    page = browser_page
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign up").click()
    page.locator("#id_email").fill("dana@globex.example")
    page.locator("#id_password1").fill("quiet-river-lighthouse-42")
    page.locator("#id_password2").fill("quiet-river-lighthouse-42")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/accounts/confirm-email/")
    assert "verification" in page.content().lower()

    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)[1]
    page.goto(live_server.url + link)
    page.get_by_role("button", name="Confirm").click()

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign in").click()
    page.locator("#id_login").fill("dana@globex.example")
    page.locator("#id_password").fill("quiet-river-lighthouse-42")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(live_server.url + "/")
    sign_out = page.get_by_role("button", name="Sign out")
    assert sign_out.is_visible()
    sign_out.click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("link", name="Sign in").is_visible()
    assert page.problems == []


def test_staff_set_up_an_authenticator_app_before_the_admin_opens(
    live_server, published, staff_without_mfa, browser_page
):
    page = browser_page
    page.goto(live_server.url + "/accounts/login/?next=/admin/")
    page.locator("#id_login").fill(staff_without_mfa.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    # Sent from the admin to MFA set-up, which first asks for the password again.
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    assert page.locator(".totp-qr svg").is_visible()
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("#id_code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    assert page.locator(".recovery-codes li").count() == 10
    page.get_by_role("link", name="Continue to the page you asked for").click()
    page.wait_for_url(live_server.url + "/admin/")
    assert "Site administration" in page.content()
    assert page.problems == []
