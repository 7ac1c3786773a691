"""The staff audit page: who may see it, filters, and a CSV export that spreadsheets cannot execute."""

import csv
import datetime
import io

import pytest
import time_machine
from django.test import Client, RequestFactory

from trustcenter.audit.services import audit_record
from trustcenter.audit.views import csv_safe

CAST = ["anonymous", "prospect", "staff_without_mfa", "sales", "security_admin"]


@pytest.fixture
def cast(prospect, staff_without_mfa, sales, security_admin):
    return {
        "anonymous": None,
        "prospect": prospect,
        "staff_without_mfa": staff_without_mfa,
        "sales": sales,
        "security_admin": security_admin,
    }


def client_as(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


EXPECTED = {
    "anonymous": (302, "/accounts/login/?next="),
    "prospect": (403, None),
    "staff_without_mfa": (302, "/accounts/2fa/totp/activate/"),
    "sales": (200, None),
    "security_admin": (200, None),
}


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("path", ["/staff/audit/", "/staff/audit/export.csv"])
def test_only_sales_and_security_admins_with_mfa_read_the_audit_log(published, cast, who, path):
    audit_record(kind="nda.signed", actor=cast["sales"], subject="secret-subject")
    response = client_as(cast[who]).get(path)
    status, location = EXPECTED[who]
    assert response.status_code == status
    if location:
        assert response["Location"].startswith(location)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert (b"secret-subject" in body) == (status == 200)


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_the_audit_pages_only_answer_get(published, sales, method):
    client = client_as(sales)
    for path in ("/staff/audit/", "/staff/audit/export.csv"):
        assert getattr(client, method)(path).status_code == 405


def test_filters_by_kind_actor_and_date(published, sales, prospect):
    with time_machine.travel("2026-11-01 10:00Z"):
        audit_record(kind="nda.signed", actor=prospect, subject="first")
    with time_machine.travel("2026-11-03 10:00Z"):
        audit_record(kind="document.downloaded", actor=prospect, subject="second")
        audit_record(kind="document.downloaded", actor=sales, subject="third")
    client = client_as(sales)

    def subjects(**query):
        page = client.get("/staff/audit/", query).content.decode()
        return [s for s in ("first", "second", "third") if f"<td>{s}</td>" in page]

    assert subjects() == ["first", "second", "third"]
    assert subjects(kind="document.downloaded") == ["second", "third"]
    assert subjects(actor="pat@") == ["first", "second"]
    assert subjects(date_from="2026-11-02") == ["second", "third"]
    assert subjects(date_to="2026-11-01") == ["first"]
    assert subjects(kind="document.downloaded", actor="pat@", date_from="2026-11-03", date_to="2026-11-03") == [
        "second"
    ]
    page = client.get("/staff/audit/", {"date_from": "2026-11-05", "date_to": "2026-11-01"}).content.decode()
    assert "The start date is after the end date." in page


def test_the_csv_export_has_every_column_and_follows_the_filters(published, sales, prospect):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.5", HTTP_USER_AGENT="Safari")
    audit_record(kind="nda.signed", actor=prospect, request=request, subject="nda:1", data={"version": 2})
    audit_record(kind="account.signed_in", actor=sales)
    response = client_as(sales).get("/staff/audit/export.csv", {"kind": "nda.signed"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["seq", "created_at_utc", "kind", "actor_email"]
    kinds = [row[2] for row in rows[1:]]
    assert "nda.signed" in kinds and "account.signed_in" not in kinds
    row = next(r for r in rows[1:] if r[2] == "nda.signed")
    assert row[3] == prospect.email and row[5] == "192.0.2.5" and row[6] == "Safari" and row[8] == '{"version": 2}'
    assert datetime.datetime.fromisoformat(row[1]).utcoffset() == datetime.timedelta(0)


@pytest.mark.parametrize("value", ['=HYPERLINK("http://evil.example")', "+1+2", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"])
def test_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(published, sales, value):
    assert csv_safe(value) == "'" + value
    audit_record(kind="access.requested", actor=sales, subject=value, data={"reason": value})
    response = client_as(sales).get("/staff/audit/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    row = next(r for r in rows[1:] if r[2] == "access.requested")
    assert row[7] == "'" + value
    for cell in row:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_ordinary_text_is_exported_unchanged(published):
    assert csv_safe("pat@prospect.example") == "pat@prospect.example"
    assert csv_safe("document:3") == "document:3"
    assert csv_safe(None) == ""
