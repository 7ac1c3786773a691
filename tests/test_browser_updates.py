"""The updates journey in a real browser, with a real SMTP server receiving the mail: a new
visitor subscribes on the overview, confirms from the email, gets a subprocessor change with
its effective date, objects to it as a signed-in customer, and unsubscribes in one click
(a POST to the List-Unsubscribe URL, as a mail client sends it) from the next email."""

import datetime
import re
import urllib.request

import pytest
import yaml
from django.utils import timezone

from tests.browser_support import sign_in, text_of
from tests.conftest import PASSWORD
from tests.smtp_sink import html_of
from tests.smtp_sink import text_of as mail_text
from trustcenter.policies.services import content_publish
from trustcenter.updates.models import Objection, Subscriber

pytestmark = pytest.mark.browser

LINK_RE = re.compile(r"https?://[^\s<>\"]+")


def add_subprocessor(content_dir, name):
    path = content_dir / "company.yaml"
    data = yaml.safe_load(path.read_text())
    data["subprocessors"].append(
        {"name": name, "purpose": "Transactional email delivery", "data": "Recipient addresses", "location": "US"}
    )
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def test_subscribe_confirm_receive_object_and_unsubscribe(
    visitor_factory, live_server, live_published, customer, sink, settings
):
    from trustcenter.access.models import Organization

    settings.SITE_URL = live_server.url
    from trustcenter.access.services import membership_bind_domain

    organization = Organization.objects.create(name="Northwind Traders")
    organization.domains.create(domain="northwind.example")
    membership_bind_domain(domain="northwind.example")
    email = customer.email
    visitor = visitor_factory("updates-journey")
    page = visitor.page

    # Subscribe on the overview: the email field leads to the full form with topics and consent.
    visitor.goto("/")
    page.fill("#subscribe-email", email)
    page.locator("form.subscribe-teaser button").click()
    page.wait_for_url(re.compile(r"/updates/subscribe/"))
    assert page.locator("#id_email").input_value() == email
    visitor.assert_accessible()
    visitor.shot("subscribe")
    page.locator("input[name=topics][value=all]").uncheck()
    page.locator("input[name=topics][value=subprocessors]").check()
    page.locator("#id_consent").check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/updates/subscribe/sent/$"))
    assert "Check your inbox" in text_of(page, "h1")

    # Confirm from the email.
    [confirmation] = sink.wait_for(email)
    confirm_url = next(u for u in LINK_RE.findall(mail_text(confirmation)) if "/updates/confirm/" in u)
    page.goto(confirm_url)
    visitor.assert_accessible()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/updates/manage/"))
    assert "You are subscribed" in text_of(page, ".messages")
    visitor.assert_accessible()
    visitor.shot("manage")
    assert Subscriber.objects.get(email=email).topics == ["subprocessors"]

    # A subprocessor change is published; the notice arrives with its effective date.
    add_subprocessor(live_published, "Postmark (ActiveCampaign, LLC)")
    content_publish(root=live_published)
    notice = sink.wait_for(email, count=2)[1]
    effective = timezone.localdate() + datetime.timedelta(days=30)
    assert f"take effect on {effective:%-d %B %Y}" in mail_text(notice)
    assert "Postmark" in html_of(notice)

    # Sign in as the customer and object from the link in the email.
    sign_in(visitor, email, PASSWORD)
    change_url = next(u for u in LINK_RE.findall(mail_text(notice)) if re.search(r"/subprocessors/changes/\d+/$", u))
    page.goto(change_url)
    assert effective.isoformat() == page.locator("time.effective").get_attribute("datetime")
    visitor.assert_accessible()
    page.fill("#id_reason", "Postmark is not covered by our data processing agreement.")
    page.get_by_role("button", name="Object for Northwind Traders").click()
    page.wait_for_load_state()
    assert "Your objection is recorded" in text_of(page, ".messages")
    visitor.shot("objected")
    assert Objection.objects.get().organization == organization

    # The next email: unsubscribe in one click, as a mail client does (RFC 8058).
    add_subprocessor(live_published, "Mailgun Technologies, Inc.")
    content_publish(root=live_published)
    second = sink.wait_for(email, count=3)[2]
    assert second["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = second["List-Unsubscribe"].strip().strip("<>")
    request = urllib.request.Request(  # noqa: S310 - the live test server
        url, data=b"List-Unsubscribe=One-Click", method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 200
    assert Subscriber.objects.get(email=email).status == "unsubscribed"

    # Never mailed again.
    add_subprocessor(live_published, "SparkPost (MessageBird)")
    content_publish(root=live_published)
    assert len(sink.to(email)) == 3


@pytest.mark.parametrize("locale", ["en-GB", "de-DE"])
def test_update_pages_pass_axe_and_fit_a_phone(visitor_factory, live_published, locale):
    add_subprocessor(live_published, "Postmark (ActiveCampaign, LLC)")
    content_publish(root=live_published)
    from trustcenter.updates.models import SubprocessorChange

    change = SubprocessorChange.objects.get()
    visitor = visitor_factory(f"axe-updates-{locale}", locale=locale)
    for path in ["/", "/updates/", "/updates/soc2-type-ii-report-2026/", "/updates/subscribe/",
                 "/subprocessors/changes/", change.get_absolute_url()]:  # fmt: skip
        visitor.goto(path)
        visitor.assert_accessible()
        visitor.shot(path.strip("/").replace("/", "-") or "overview")
