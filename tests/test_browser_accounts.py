"""Account flows in a real browser: sign up, confirm, sign in and out; staff set up MFA before the
admin opens. Every page is checked with axe-core and must leave the console (CSP) clean."""

import re

import pytest
from django.core import mail

from tests.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.browser


def test_a_visitor_signs_up_confirms_signs_in_and_out(live_published, visitor_factory):
    visitor = visitor_factory("accounts-sign-up")
    page = visitor.page
    visitor.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.wait_for_url("**/accounts/signup/")
    visitor.assert_accessible()
    visitor.shot("sign-up")
    page.locator("#id_email").fill("dana@globex.example")
    page.locator("#id_password1").fill("quiet-river-lighthouse-42")
    page.locator("#id_password2").fill("quiet-river-lighthouse-42")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/accounts/confirm-email/")
    assert "verification" in page.content().lower()
    visitor.shot("check-your-mail")

    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)[1]
    visitor.goto(link)
    visitor.assert_accessible()
    page.get_by_role("button", name="Confirm").click()

    visitor.goto("/")
    page.get_by_role("link", name="Sign in").click()
    page.wait_for_url("**/accounts/login/")
    visitor.assert_accessible()
    visitor.shot("sign-in")
    page.locator("#id_login").fill("dana@globex.example")
    page.locator("#id_password").fill("quiet-river-lighthouse-42")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(visitor.url("/"))
    sign_out = page.get_by_role("button", name="Sign out")
    assert sign_out.is_visible()
    sign_out.click()
    page.wait_for_url(visitor.url("/"))
    assert page.get_by_role("link", name="Sign in").is_visible()


def test_staff_set_up_an_authenticator_app_before_the_admin_opens(live_published, staff_without_mfa, visitor_factory):
    visitor = visitor_factory("accounts-staff-mfa")
    page = visitor.page
    visitor.goto("/accounts/login/?next=/admin/")
    page.locator("#id_login").fill(staff_without_mfa.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Sent from the admin straight to MFA set-up: the sign-in just now is recent authentication enough.
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    assert page.locator(".totp-qr svg").is_visible()
    visitor.assert_accessible()
    visitor.shot("totp-set-up")
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("#id_code").fill(totp_code(secret, valid_for=8))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    assert page.locator(".recovery-codes li").count() == 10
    visitor.assert_accessible()
    visitor.shot("recovery-codes")
    # Django's admin links no icon, so Chromium probes /favicon.ico there (a 404, not the site's doing).
    visitor.expected_failures.add(visitor.url("/favicon.ico"))
    page.get_by_role("link", name="Continue to the page you asked for").click()
    page.wait_for_url(visitor.url("/admin/"))
    assert "Site administration" in page.content()
    visitor.goto("/accounts/sessions/")
    visitor.assert_accessible()
    visitor.goto("/staff/audit/")
    assert page.locator("td code", has_text="mfa.activated").count() == 2  # the app and its recovery codes
    visitor.assert_accessible()
    visitor.shot("audit-log")
