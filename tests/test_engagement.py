"""Engagement for sales: per organization and account, charts with tables, anonymous counts, retention."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.conftest import _gate_user
from trustcenter.access.models import AccessRequest, NdaVersion, Organization
from trustcenter.access.services import access_request_approve, access_request_create, nda_sign
from trustcenter.api import counts
from trustcenter.api.models import EngagementEvent, PageViewCount
from trustcenter.api.services import engagement_purge
from trustcenter.audit.models import AuditEvent


@pytest.fixture
def northwind(published):
    organization = Organization.objects.create(name="Northwind Traders")
    organization.domains.create(domain="northwind.example")
    return organization


@pytest.fixture
def engaged(client, northwind, django_user_model, sales, make_document):
    """Nina of Northwind signs the NDA, asks, is approved, reads a gated page and downloads a report."""
    nina = _gate_user(django_user_model, "nina@northwind.example", "Nina North", "Northwind Traders")
    nda = NdaVersion.objects.current()
    nda_sign(user=nina, nda=nda, full_name="Nina North", company="Northwind Traders", job_title="CISO",
             shown_sha256=nda.text_sha256)  # fmt: skip
    access_request, _created = access_request_create(user=nina, reason="Vendor review")
    access_request_approve(access_request=access_request, reviewer=sales)
    document = make_document(title="SOC 2 Type II report")
    client.force_login(nina)
    assert client.get("/policies/network-architecture/").status_code == 200
    assert client.get(f"/documents/{document.pk}/download/").status_code == 200
    client.logout()
    return nina


def test_staff_see_who_signed_asked_read_and_downloaded_what_and_when(client, engaged, northwind, sales):
    download = AuditEvent.objects.get(kind="document.downloaded")
    client.force_login(sales)
    summary = client.get("/staff/engagement/").content.decode()
    assert "Northwind Traders" in summary and engaged.email in summary
    page = client.get(f"/staff/engagement/organizations/{northwind.pk}/").content.decode()
    for kind in ("nda.signed", "access.requested", "access.approved", "page.read", "document.downloaded"):
        assert f"<code>{kind}</code>" in page
    assert download.data["download_id"] in page and "SOC 2 Type II report" in page
    assert "Network" in page  # the gated page's title
    assert "decided after" in page
    # The chart is an accessible SVG, and the same numbers are in a table.
    assert '<svg role="img" aria-labelledby="org-activity-title org-activity-desc"' in page
    assert '<title id="org-activity-title">' in page and '<desc id="org-activity-desc">' in page
    today = timezone.now().date().isoformat()
    assert f'<th scope="row">{today}</th><td>5</td>' in page


def test_staff_reading_their_own_site_is_not_engagement(client, published, sales):
    client.force_login(sales)
    client.get("/policies/network-architecture/")
    assert not EngagementEvent.objects.exists()


def test_the_period_filter_and_its_errors(client, engaged, sales):
    EngagementEvent.objects.update(created_at=timezone.now() - datetime.timedelta(days=200))
    client.force_login(sales)
    assert engaged.email not in client.get("/staff/engagement/").content.decode()  # last 90 days by default
    since = (timezone.now() - datetime.timedelta(days=365)).date().isoformat()
    assert engaged.email in client.get(f"/staff/engagement/?date_from={since}").content.decode()
    wrong = client.get("/staff/engagement/?date_from=2026-12-31&date_to=2026-01-01").content.decode()
    assert "The start date is after the end date." in wrong


def test_the_csv_export_cannot_inject_formulas(client, engaged, northwind, sales):
    Organization.objects.filter(pk=northwind.pk).update(name='=HYPERLINK("http://evil.example","x")')
    EngagementEvent.objects.update(organization=northwind)
    client.force_login(sales)
    response = client.get("/staff/engagement/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["account", "organization", "nda.signed"]
    nina = next(r for r in rows if r[0] == engaged.email)
    assert nina[1].startswith("'=HYPERLINK")
    assert nina[2] == "1" and nina[rows[0].index("document.downloaded")] == "1"


def test_anonymous_visitors_are_only_counted_per_page_and_day(client, published, django_assert_num_queries):
    first = client.get("/")
    assert first.status_code == 200 and not first.cookies
    with django_assert_num_queries(0):  # the cached page and its count cost no query
        client.get("/")
    client.get("/policies/access-control/")
    assert counts.flush() == 2
    views = {row.path: row.count for row in PageViewCount.objects.all()}
    assert views == {"/": 2, "/policies/access-control/": 1}
    assert not EngagementEvent.objects.exists()
    assert counts.flush() == 2 and PageViewCount.objects.get(path="/").count == 2  # flushing twice adds nothing
    assert {f.name for f in PageViewCount._meta.get_fields()} == {"id", "path", "day", "count"}


def test_pages_answered_before_django_runs_are_counted_too(client, published, django_assert_num_queries):
    from django.test import RequestFactory

    from trustcenter.wsgi import application

    client.get("/")  # stores the page; counted on its way out
    statuses = []
    with django_assert_num_queries(0):
        for _ in range(2):
            body = application(RequestFactory().get("/").environ, lambda status, headers: statuses.append(status))
            assert b"<html" in b"".join(body)
    assert statuses == ["200 OK", "200 OK"]
    counts.flush()
    assert PageViewCount.objects.get(path="/").count == 3


def test_the_summary_draws_the_anonymous_counts_as_a_chart_and_a_table(client, published, sales):
    client.get("/")
    client.force_login(sales)
    page = client.get("/staff/engagement/").content.decode()
    assert '<svg role="img"' in page and "Anonymous page views per day" in page
    assert '<th scope="row"><code>/</code></th><td>1</td>' in page
    assert "<script" not in page.split("</main>")[0].split("<main")[-1]


def test_old_engagement_is_purged_after_the_retention_period(db, settings, engaged):
    settings.ENGAGEMENT_RETENTION_MONTHS = 13
    now = timezone.now()
    old = EngagementEvent.objects.create(
        kind="page.read", email="old@x.example", created_at=now - datetime.timedelta(days=400)
    )
    recent = EngagementEvent.objects.create(
        kind="page.read", email="r@x.example", created_at=now - datetime.timedelta(days=380)
    )
    PageViewCount.objects.create(path="/", day=(now - datetime.timedelta(days=420)).date(), count=4)
    kept = EngagementEvent.objects.count() - 1
    assert engagement_purge(now=now) == 2
    assert not EngagementEvent.objects.filter(pk=old.pk).exists()
    assert EngagementEvent.objects.filter(pk=recent.pk).exists() and EngagementEvent.objects.count() == kept
    assert AuditEvent.objects.filter(kind="document.downloaded").exists()  # the audit log is never purged


def test_the_purge_command_runs_here_or_on_the_queue(db, published):
    EngagementEvent.objects.create(kind="page.read", created_at=timezone.now() - datetime.timedelta(days=500))
    out = io.StringIO()
    call_command("engagement_purge", stdout=out)
    assert "deleted 1 rows" in out.getvalue()
    EngagementEvent.objects.create(kind="page.read", created_at=timezone.now() - datetime.timedelta(days=500))
    out = io.StringIO()
    call_command("engagement_purge", "--enqueue", stdout=out)
    assert "enqueued" in out.getvalue() and not EngagementEvent.objects.exists()


def test_a_decision_records_how_long_it_took(engaged):
    approved = EngagementEvent.objects.get(kind="access.approved")
    assert approved.email == engaged.email and approved.organization.name == "Northwind Traders"
    assert approved.detail["hours_to_decision"] >= 0
    assert AccessRequest.objects.get(user=engaged).status == "approved"
