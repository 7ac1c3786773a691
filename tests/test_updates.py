"""Update posts, subscriptions, subprocessor change notices, objections and digests, with a
real SMTP server (tests/smtp_sink.py) receiving what Django's SMTP backend sends."""

import datetime
import json
import re

import pytest
import time_machine
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests import smtp_sink
from tests.conftest import _gate_user, give_grant, sign_current_nda
from trustcenter.audit.models import AuditEvent
from trustcenter.policies.models import PolicyVersion
from trustcenter.policies.services import content_publish
from trustcenter.updates.models import (
    Consent,
    Delivery,
    Notice,
    Objection,
    SubprocessorChange,
    SubprocessorList,
    Subscriber,
    UpdatePost,
)
from trustcenter.updates.tasks import notice_send

LINK_RE = re.compile(r"https?://[^\s<>\"]+")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://trust.kestrel.example"


def path_of(url: str) -> str:
    return url.removeprefix("https://trust.kestrel.example")


def links(message) -> list[str]:
    return LINK_RE.findall(smtp_sink.text_of(message))


def subscribe(client, email, topics=("all",), *, capture, language=None, follow=False):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    with capture(execute=True):
        response = client.post(
            "/updates/subscribe/", {"email": email, "topics": list(topics), "consent": "on"}, follow=follow, **headers
        )
    return response


def confirm_from_mail(client, sink, email):
    message = sink.wait_for(email)[-1]
    url = next(link for link in links(message) if "/updates/confirm/" in link)
    assert client.get(path_of(url)).status_code == 200
    response = client.post(path_of(url), REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="pytest mail reader")
    assert response.status_code == 302
    return Subscriber.objects.get(email=email)


def add_subprocessor(content_dir, **entry):
    path = content_dir / "company.yaml"
    data = yaml.safe_load(path.read_text())
    data["subprocessors"].append(
        {"name": "Postmark (ActiveCampaign, LLC)", "purpose": "Transactional email delivery",
         "data": "Recipient email addresses and notification text", "location": "United States", **entry}
    )  # fmt: skip
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


# Update posts -------------------------------------------------------------------------


def test_publish_creates_the_demo_updates_once(published):
    assert UpdatePost.objects.count() == 4
    report = content_publish(root=published)
    assert report.created == 0 and UpdatePost.objects.count() == 4


def test_the_list_is_newest_first_and_hides_nda_posts_from_visitors(client, published):
    html = client.get("/updates/").content.decode()
    soc2, incident, hubspot = (html.index(t) for t in ("SOC 2 Type II report is available", "Delayed alert", "HubSpot"))
    assert soc2 < incident < hubspot
    assert "penetration test" not in html


def test_the_list_filters_by_type(client, published):
    html = client.get("/updates/?type=incident").content.decode()
    assert "Delayed alert" in html and "SOC 2 Type II report is available" not in html


@pytest.mark.parametrize(("name", "sees"), [("prospect", False), ("customer", True), ("security_admin", True)])
def test_nda_posts_follow_the_access_rule(request, client, published, name, sees):
    client.force_login(request.getfixturevalue(name))
    assert ("2026 penetration test finished" in client.get("/updates/").content.decode()) is sees
    response = client.get("/updates/penetration-test-2026-summary/")
    assert response.status_code == (200 if sees else 403)
    assert ("retest letter" in response.content.decode()) is sees


def test_a_locked_post_tells_a_visitor_to_sign_in(client, published):
    response = client.get("/updates/penetration-test-2026-summary/")
    assert response.status_code == 403
    assert "Sign in or create an account" in response.content.decode()
    assert "retest letter" not in response.content.decode()


def test_the_atom_feed_has_public_posts_only(client, published):
    response = client.get("/updates/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert "SOC 2 Type II report is available" in body and "penetration" not in body


def test_the_overview_shows_the_latest_three_public_updates(client, published):
    html = client.get("/").content.decode()
    section = html[html.index('id="updates"') :]
    section = section[: section.index("</section>")]
    assert section.count('class="policy-card"') == 3
    assert "penetration" not in section
    assert 'action="/updates/subscribe/"' in section


def test_a_bad_update_file_rolls_back_the_whole_publish(published):
    policy = published / "policies" / "access-control.md"
    policy.write_text(policy.read_text().replace("version: ", "version: 1", 1) + "\nMore text.\n")
    (published / "updates" / "2026-12-01-broken.md").write_text(
        "---\ntitle: Broken\ndate: 2026-12-02\ntype: rumour\nvisibility: public\n---\nText.\n"
    )
    before = PolicyVersion.objects.count()
    with pytest.raises(CommandError):
        call_command("publish", str(published))
    assert PolicyVersion.objects.count() == before
    assert not UpdatePost.objects.filter(slug="broken").exists()


def test_bad_update_files_are_reported_with_file_and_line(published, capsys):
    (published / "updates" / "2026-12-01-broken.md").write_text(
        "---\ntitle: Broken\ndate: 2026-12-02\ntype: rumour\nvisibility: public\n---\nText.\n"
    )
    with pytest.raises(CommandError, match="nothing was published"):
        call_command("publish", str(published))
    err = capsys.readouterr().err
    assert "updates/2026-12-01-broken.md:3: `date` is 2026-12-02 but the file name says 2026-12-01" in err
    assert "updates/2026-12-01-broken.md:4: `type` must be one of" in err


# Subscriptions ------------------------------------------------------------------------


def test_double_opt_in_stores_consent_as_evidence(client, published, sink, django_capture_on_commit_callbacks):
    response = subscribe(client, "Lea@Customer.example", ["incidents", "subprocessors"],
                         capture=django_capture_on_commit_callbacks)  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/updates/subscribe/sent/"
    assert not Subscriber.objects.exists()  # nothing stored before the link is followed
    message = sink.wait_for("lea@customer.example")[0]
    assert "Confirm" in message["Subject"]
    subscriber = confirm_from_mail(client, sink, "lea@customer.example")
    assert subscriber.status == "active" and subscriber.topics == ["incidents", "subprocessors"]
    consent = Consent.objects.get(subscriber=subscriber)
    assert consent.action == "subscribed" and consent.ip == "198.51.100.7" and consent.requested_ip == "127.0.0.1"
    assert consent.text.startswith("I want to receive email updates") and consent.user_agent == "pytest mail reader"


def test_the_answer_never_reveals_whether_an_address_is_subscribed(
    client, published, sink, django_capture_on_commit_callbacks
):
    from django.test import Client

    subscribe(client, "known@customer.example", capture=django_capture_on_commit_callbacks)
    confirm_from_mail(client, sink, "known@customer.example")
    known = subscribe(Client(), "known@customer.example", capture=django_capture_on_commit_callbacks, follow=True)
    unknown = subscribe(Client(), "nobody@customer.example", capture=django_capture_on_commit_callbacks, follow=True)
    assert known.redirect_chain == unknown.redirect_chain == [("/updates/subscribe/sent/", 302)]
    assert known.content == unknown.content


def test_a_confirmation_link_expires(client, published, sink, django_capture_on_commit_callbacks, settings):
    subscribe(client, "late@customer.example", capture=django_capture_on_commit_callbacks)
    url = next(link for link in links(sink.wait_for("late@customer.example")[0]) if "/confirm/" in link)
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=settings.UPDATES_CONFIRM_HOURS + 1)):
        response = client.post(path_of(url))
    assert response.status_code == 400 and "expired" in response.content.decode()
    assert not Subscriber.objects.exists()


def test_a_tampered_link_is_refused(client, published):
    assert client.post("/updates/confirm/not-a-token/").status_code == 400
    assert client.post("/updates/unsubscribe/1:abc/").status_code == 404


def test_one_address_cannot_be_flooded_with_confirmations(client, published, sink, django_capture_on_commit_callbacks):
    answers = {subscribe(client, "target@customer.example", capture=django_capture_on_commit_callbacks)["Location"]
               for _ in range(5)}  # fmt: skip
    assert answers == {"/updates/subscribe/sent/"}
    assert len(sink.to("target@customer.example")) == 3  # RATE_LIMIT_SUBSCRIBE_ADDRESS 3/h


def test_subscribing_is_rate_limited_per_ip(client, published, sink, django_capture_on_commit_callbacks):
    codes = [subscribe(client, f"n{i}@customer.example", capture=django_capture_on_commit_callbacks).status_code
             for i in range(11)]  # fmt: skip
    assert codes[:10] == [302] * 10 and codes[10] == 429


def test_the_form_needs_consent_and_a_topic(client, published):
    response = client.post("/updates/subscribe/", {"email": "x@customer.example"})
    assert response.status_code == 200
    assert response.content.decode().count('class="errorlist"') == 2


# Subprocessor change notices ---------------------------------------------------------------


@pytest.fixture
def subscribers(client, published, sink, django_capture_on_commit_callbacks):
    """Three confirmed subscribers: everything (English), subprocessors (German), incidents only."""
    for email, topics, language in [
        ("all@customer.example", ["all"], "en"),
        ("dpo@kunde.example", ["subprocessors"], "de"),
        ("soc@customer.example", ["incidents"], "en"),
    ]:
        subscribe(client, email, topics, capture=django_capture_on_commit_callbacks, language=language)
        confirm_from_mail(client, sink, email)
    sink.clear()
    return Subscriber.objects.all()


def test_publish_turns_a_changed_subprocessor_list_into_dated_notices(
    published, subscribers, sink, django_capture_on_commit_callbacks
):
    add_subprocessor(published)
    path = published / "company.yaml"
    path.write_text(path.read_text().replace("location: European Union (EU data region)", "location: United States"))
    with django_capture_on_commit_callbacks(execute=True):
        content_publish(root=published)
    changes = {c.name: c for c in SubprocessorChange.objects.all()}
    effective = timezone.localdate() + datetime.timedelta(days=30)
    assert changes["Postmark (ActiveCampaign, LLC)"].kind == "added"
    assert changes["Functional Software, Inc. (Sentry)"].kind == "changed"
    assert changes["Functional Software, Inc. (Sentry)"].fields == ["location"]
    assert {c.effective_on for c in changes.values()} == {effective}
    assert SubprocessorList.objects.count() == 2

    english = sink.wait_for("all@customer.example")[0]
    german = sink.wait_for("dpo@kunde.example")[0]
    assert not sink.to("soc@customer.example")
    assert effective.strftime("%-d %B %Y") in smtp_sink.text_of(english)
    assert "Postmark" in smtp_sink.html_of(english)
    assert "Widerspruch" in smtp_sink.text_of(german) or "widersprechen" in smtp_sink.text_of(german)
    for message in (english, german):
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert re.fullmatch(
            r"<https://trust\.kestrel\.example/updates/unsubscribe/[^>]+/>", message["List-Unsubscribe"].strip()
        )
        assert message["List-Id"].endswith("<updates.trust.kestrel.example>")
        assert re.fullmatch(r"<[^@>]+@trust\.kestrel\.example>", message["Message-ID"])
        assert any("/updates/manage/" in link for link in links(message))


def test_the_history_page_and_feed_show_each_change_with_its_date(
    client, published, django_capture_on_commit_callbacks
):
    add_subprocessor(published)
    with django_capture_on_commit_callbacks(execute=True):
        content_publish(root=published)
    html = client.get("/subprocessors/changes/").content.decode()
    effective = timezone.localdate() + datetime.timedelta(days=30)
    assert "Postmark" in html and effective.isoformat() in html
    feed = client.get("/subprocessors/changes/feed/").content.decode()
    assert "Added: Postmark (ActiveCampaign, LLC)" in feed and effective.isoformat() in feed


def test_notice_days_come_from_company_yaml(published, django_capture_on_commit_callbacks):
    path = published / "company.yaml"
    path.write_text(path.read_text().replace("subprocessor_notice_days: 30", "subprocessor_notice_days: 45"))
    add_subprocessor(published)
    with django_capture_on_commit_callbacks(execute=True):
        content_publish(root=published)
    change = SubprocessorChange.objects.get()
    assert change.effective_on == timezone.localdate() + datetime.timedelta(days=45)


def test_a_notice_is_never_mailed_twice_to_one_address(
    published, subscribers, sink, django_capture_on_commit_callbacks
):
    add_subprocessor(published)
    with django_capture_on_commit_callbacks(execute=True):
        content_publish(root=published)
    notice = Notice.objects.get(kind="subprocessors")
    first = len(sink.messages)
    with django_capture_on_commit_callbacks(execute=True):
        notice_send.enqueue(notice_id=notice.pk)
    assert len(sink.messages) == first == 2
    assert Delivery.objects.filter(notice=notice, status="sent").count() == 2


def test_a_failing_mail_server_is_retried_and_nobody_gets_two_copies(
    published, subscribers, sink, django_capture_on_commit_callbacks
):
    sink.fail_data = 1  # the first message of the batch gets 451
    add_subprocessor(published)
    with django_capture_on_commit_callbacks(execute=True):
        content_publish(root=published)
    assert sorted(m["To"] for m in sink.messages) == ["all@customer.example", "dpo@kunde.example"]
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 2)}


def test_a_refused_recipient_fails_alone(published, subscribers, sink, django_capture_on_commit_callbacks):
    sink.refuse = {"dpo@kunde.example"}
    add_subprocessor(published)
    with django_capture_on_commit_callbacks(execute=True):
        content_publish(root=published)
    assert [m["To"] for m in sink.messages] == ["all@customer.example"]
    assert Delivery.objects.get(email="dpo@kunde.example").status == "failed"


def test_one_click_unsubscribe_works_without_cookies_or_csrf_and_sticks(
    client, published, subscribers, sink, django_capture_on_commit_callbacks
):
    from django.test import Client

    add_subprocessor(published)
    with django_capture_on_commit_callbacks(execute=True):
        content_publish(root=published)
    message = sink.wait_for("all@customer.example")[0]
    url = message["List-Unsubscribe"].strip().strip("<>")  # a long header arrives folded
    mail_client = Client(enforce_csrf_checks=True)  # a mail provider: no cookies, no token
    response = mail_client.post(path_of(url), "List-Unsubscribe=One-Click",
                                content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code == 200
    assert Subscriber.objects.get(email="all@customer.example").status == "unsubscribed"
    assert Consent.objects.filter(subscriber__email="all@customer.example", action="unsubscribed").count() == 1

    sink.clear()
    add_subprocessor(published, name="Mailgun Technologies, Inc.")
    with django_capture_on_commit_callbacks(execute=True):
        content_publish(root=published)
    assert [m["To"] for m in sink.messages] == ["dpo@kunde.example"]


def test_a_get_on_the_unsubscribe_link_only_asks(client, published, subscribers):
    from trustcenter.updates.tokens import subscriber_token

    token = subscriber_token(Subscriber.objects.get(email="all@customer.example"))
    assert client.get(f"/updates/unsubscribe/{token}/").status_code == 200
    assert Subscriber.objects.get(email="all@customer.example").status == "active"


def test_the_manage_link_changes_topics_and_language(client, published, subscribers):
    from trustcenter.updates.tokens import subscriber_token

    subscriber = Subscriber.objects.get(email="soc@customer.example")
    url = f"/updates/manage/{subscriber_token(subscriber)}/"
    assert client.post(url, {"topics": ["policies", "documents"], "language": "de"}).status_code == 302
    subscriber.refresh_from_db()
    assert subscriber.topics == ["policies", "documents"] and subscriber.language == "de"


def test_resubscribing_retires_the_old_links(client, published, subscribers, sink, django_capture_on_commit_callbacks):
    from trustcenter.updates.tokens import subscriber_token

    subscriber = Subscriber.objects.get(email="soc@customer.example")
    old = subscriber_token(subscriber)
    client.post(f"/updates/unsubscribe/{old}/")
    subscribe(client, "soc@customer.example", capture=django_capture_on_commit_callbacks)
    confirm_from_mail(client, sink, "soc@customer.example")
    assert client.get(f"/updates/manage/{old}/").status_code == 404


# Policy change digests ----------------------------------------------------------------------


def test_new_policy_versions_send_one_digest_with_links_to_each_diff(
    client, published, subscribers, sink, django_capture_on_commit_callbacks
):
    path = published / "policies" / "incident-response.md"
    text = path.read_text()
    number = int(re.search(r"^version: (\d+)$", text, re.M)[1])
    path.write_text(text.replace(f"version: {number}", f"version: {number + 1}") + "\nA paragraph added.\n")
    with django_capture_on_commit_callbacks(execute=True):
        content_publish(root=published)
    [message] = sink.to("all@customer.example")
    assert message["Subject"].endswith("policy changes")
    diff = next(link for link in links(message) if "/policies/incident-response/changes/" in link)
    assert diff.endswith(f"?to={number + 1}")
    response = client.get(path_of(diff))
    assert response.status_code == 200 and "A paragraph added." in response.content.decode()
    assert not sink.to("dpo@kunde.example")  # subscribed to subprocessor changes only


# Objections ---------------------------------------------------------------------------


@pytest.fixture
def change(published, django_capture_on_commit_callbacks):
    add_subprocessor(published)
    with django_capture_on_commit_callbacks(execute=True):
        content_publish(root=published)
    return SubprocessorChange.objects.get()


@pytest.fixture
def northwind(published):
    from trustcenter.access.models import Organization
    from trustcenter.access.services import membership_bind_domain

    organization = Organization.objects.create(name="Northwind Traders")
    organization.domains.create(domain="northwind.example")
    membership_bind_domain(domain="northwind.example")  # accounts already verified there join it
    return organization


def test_a_customer_objects_for_their_organization_and_it_is_audited(client, change, northwind, customer):
    client.force_login(customer)
    page = client.get(change.get_absolute_url()).content.decode()
    assert "Object for Northwind Traders" in page
    response = client.post(f"/subprocessors/changes/{change.pk}/object/", {"reason": "Postmark is not in our DPA."})
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert (objection.organization, objection.user, objection.reason) == (
        northwind,
        customer,
        "Postmark is not in our DPA.",
    )
    event = AuditEvent.objects.get(kind="subprocessor.objected")
    assert event.actor == customer and event.subject == f"subprocessor_change:{change.pk}"
    assert event.data["organization"] == "Northwind Traders"
    assert "Your organization objected on" in client.get(change.get_absolute_url()).content.decode()


def test_an_organization_objects_once(client, change, northwind, customer, django_user_model):
    from trustcenter.access.services import membership_reevaluate

    colleague = _gate_user(django_user_model, "cole@northwind.example", "Cole Colleague", "Northwind Traders")
    membership_reevaluate(user=colleague)
    sign_current_nda(colleague)
    give_grant(colleague)
    client.force_login(customer)
    client.post(f"/subprocessors/changes/{change.pk}/object/", {"reason": "No."})
    client.force_login(colleague)
    response = client.post(f"/subprocessors/changes/{change.pk}/object/", {"reason": "Also no."}, follow=True)
    assert "already objected" in response.content.decode()
    assert Objection.objects.count() == 1


def test_objections_close_when_the_change_takes_effect(client, change, northwind, customer):
    with time_machine.travel(datetime.datetime.combine(change.effective_on, datetime.time(12), datetime.UTC)):
        client.force_login(customer)
        response = client.post(f"/subprocessors/changes/{change.pk}/object/", {"reason": "Late."}, follow=True)
    assert "objections are closed" in response.content.decode()
    assert not Objection.objects.exists()


def test_staff_see_objections_per_change(client, change, northwind, customer, security_admin):
    client.force_login(customer)
    client.post(f"/subprocessors/changes/{change.pk}/object/", {"reason": "Postmark is not in our DPA."})
    client.force_login(security_admin)
    assert "1</td>" in client.get("/staff/updates/").content.decode()
    html = client.get(f"/staff/updates/changes/{change.pk}/").content.decode()
    assert "Northwind Traders" in html and "Postmark is not in our DPA." in html


# Staff: data requests; the account page ------------------------------------------------------------


def test_staff_export_and_delete_a_subscriber_with_an_audit_trail(client, published, subscribers, security_admin):
    subscriber = Subscriber.objects.get(email="dpo@kunde.example")
    client.force_login(security_admin)
    response = client.get(f"/staff/updates/subscribers/{subscriber.pk}/export/")
    data = json.loads(response.content)
    assert data["email"] == "dpo@kunde.example" and data["consents"][0]["text"].startswith("Ich möchte")
    assert client.post(f"/staff/updates/subscribers/{subscriber.pk}/delete/").status_code == 302
    assert not Subscriber.objects.filter(email="dpo@kunde.example").exists()
    assert not Consent.objects.filter(subscriber_id=subscriber.pk).exists()
    kinds = list(
        AuditEvent.objects.filter(kind__startswith="subscriber.").order_by("seq").values_list("kind", flat=True)
    )
    assert kinds == ["subscriber.exported", "subscriber.deleted"]


def test_a_signed_in_customer_manages_updates_from_the_account_page(client, customer):
    client.force_login(customer)
    assert "Email updates" in client.get("/account/updates/").content.decode()
    client.post("/account/updates/", {"topics": ["subprocessors"], "language": "en"})
    subscriber = Subscriber.objects.get(email="casey@northwind.example")
    assert subscriber.topics == ["subprocessors"] and subscriber.user == customer
    client.post("/account/updates/", {"language": "en"})
    assert Subscriber.objects.get(email="casey@northwind.example").status == "unsubscribed"


def test_a_new_post_replaces_the_cached_overview_and_list(client, published):
    assert "Bug bounty" not in client.get("/").content.decode()
    client.get("/updates/")
    (published / "updates" / "2026-12-01-bug-bounty.md").write_text(
        "---\ntitle: Bug bounty programme opens\ndate: 2026-12-01\ntype: announcement\nvisibility: public\n---\n"
        "Researchers can now report issues through our bug bounty programme.\n"
    )
    content_publish(root=published)
    assert "Bug bounty programme opens" in client.get("/").content.decode()
    assert "Bug bounty programme opens" in client.get("/updates/").content.decode()


def test_a_new_listed_document_is_mailed_to_the_documents_topic(
    published, subscribers, sink, make_document, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_document(title="ISO/IEC 27001 surveillance audit 2026", visibility="nda")
    [message] = sink.to("all@customer.example")  # the only subscriber to everything; nobody asked for documents alone
    assert message["Subject"].endswith("new document: ISO/IEC 27001 surveillance audit 2026")
    assert "sign in to request access" in smtp_sink.text_of(message)
    assert not sink.to("dpo@kunde.example") and not sink.to("soc@customer.example")


def test_a_confirmation_link_works_once(client, published, sink, django_capture_on_commit_callbacks):
    from trustcenter.updates.tokens import subscriber_token

    subscribe(client, "once@customer.example", capture=django_capture_on_commit_callbacks)
    url = next(link for link in links(sink.wait_for("once@customer.example")[0]) if "/confirm/" in link)
    assert client.post(path_of(url)).status_code == 302
    client.post(f"/updates/unsubscribe/{subscriber_token(Subscriber.objects.get())}/")
    response = client.post(path_of(url))  # an old link cannot undo the unsubscription
    assert response.status_code == 400 and "already used" in response.content.decode()
    assert Subscriber.objects.get().status == "unsubscribed"
