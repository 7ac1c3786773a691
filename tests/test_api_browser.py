"""The API's staff pages in a real browser: a token created and shown once, pages that pass axe,
fit a phone screen and load nothing from another host."""

import pytest

from tests.browser_support import sign_in, text_of
from tests.conftest import PASSWORD
from trustcenter.api.models import ApiToken

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("live_published")]


def test_sales_create_a_token_and_see_the_staff_pages_of_the_api(visitor_factory, sales):
    visitor = visitor_factory("api-token")
    sign_in(visitor, sales.email, PASSWORD, next_url="/staff/api/tokens/", totp_secret=sales.totp_secret)
    page = visitor.page
    visitor.assert_accessible()
    page.fill("input[name=name]", "CRM sync")
    page.check("input[name=scopes][value=read]")
    page.fill("input[name=days]", "30")
    page.locator("main form.stacked-form button[type=submit]").click()
    page.wait_for_load_state()
    token = text_of(page, "#new-token")
    assert token.startswith("tc_")
    assert ApiToken.objects.get(user=sales).prefix == token[:10]
    visitor.shot("token-created")
    visitor.goto("/staff/api/tokens/")
    assert token not in page.content()  # shown once
    for path in ("/staff/api/webhooks/", "/staff/engagement/", "/api/v1/docs/"):
        visitor.goto(path)
        visitor.assert_accessible()
        visitor.shot(path.strip("/").replace("/", "-"))
