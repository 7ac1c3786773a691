"""Security headers on every kind of response, cookies, deploy checks, and error pages without tracebacks."""

import io
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.http import FileResponse
from django.test import Client
from django.urls import include, path

from tests.conftest import PASSWORD


def _download(request):
    return FileResponse(io.BytesIO(b"%PDF-1.4 test"), as_attachment=True, filename="report.pdf")


def _boom(request):
    raise RuntimeError("secret-internal-detail-7f3a")


# A URLconf with the real site plus a file download and a failing view, for the tests below.
urlpatterns = [
    path("test-download/", _download),
    path("test-boom/", _boom),
    path("", include("trustcenter.urls")),
]

EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def assert_security_headers(response, *, secure: bool = True):
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    for name, value in EXPECTED_CSP.items():
        assert directives.get(name) == value, f"CSP {name}: {directives.get(name)!r} in {csp!r}"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "geolocation=()" in headers["Permissions-Policy"]
    if secure:
        hsts = headers["Strict-Transport-Security"]
        max_age = int(hsts.split("max-age=")[1].split(";")[0])
        assert max_age >= 31536000
        assert "includeSubDomains" in hsts
        assert "preload" not in hsts


@pytest.fixture
def policy_url(published):
    return "/policies/data-protection/"


@pytest.mark.urls("tests.test_security_headers")
@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("get", "/", 200),
        ("get", "/policies/data-protection/", 200),
        ("get", "/search/?q=encryption", 200),
        ("get", "/changes/feed/", 200),
        ("get", "/.well-known/security.txt", 200),
        ("get", "/static/css/site.css", 200),
        ("get", "/accounts/login/", 200),
        ("get", "/admin/login/", 302),
        ("get", "/test-download/", 200),
        ("get", "/no-such-page/", 404),
        ("post", "/", 405),
    ],
)
def test_every_kind_of_response_carries_the_security_headers(published, method, url, status):
    client = Client()
    response = getattr(client, method)(url, secure=True)
    assert response.status_code == status
    assert_security_headers(response)


@pytest.mark.urls("tests.test_security_headers")
def test_a_download_is_an_attachment_with_the_headers(published):
    response = Client().get("/test-download/", secure=True)
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert_security_headers(response)


def test_a_foreign_host_gets_the_400_page_with_the_headers(published):
    response = Client().get("/", HTTP_HOST="evil.example", secure=True)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Bad request" in body
    assert "evil.example" not in body
    assert "Traceback" not in body
    assert_security_headers(response)


@pytest.mark.urls("tests.test_security_headers")
def test_a_server_error_shows_the_500_page_and_no_traceback(published):
    assert django_settings.DEBUG is False
    client = Client(raise_request_exception=False)
    response = client.get("/test-boom/", secure=True)
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    for leak in ("Traceback", "secret-internal-detail-7f3a", "RuntimeError", "SECRET_KEY", "settings.py"):
        assert leak not in body
    assert_security_headers(response)


def test_http_is_redirected_to_https_in_production(published, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/policies/data-protection/?x=1")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/policies/data-protection/?x=1"
    # The redirect is a response like any other: it carries every security header (HSTS only over HTTPS).
    assert_security_headers(response, secure=False)


def test_hsts_preload_is_sent_only_when_opted_in(published, settings):
    settings.SECURE_HSTS_PRELOAD = True
    response = Client().get("/", secure=True)
    assert "preload" in response["Strict-Transport-Security"]


def test_the_session_and_csrf_cookies_are_host_only_secure_and_httponly(published, security_admin):
    client = Client()
    response = client.get("/accounts/login/", secure=True)
    csrf = response.cookies["__Host-csrftoken"]
    response = client.post(
        "/accounts/login/",
        {"login": security_admin.email, "password": PASSWORD, "csrfmiddlewaretoken": csrf.value},
        secure=True,
    )
    assert response.status_code == 302
    session = response.cookies["__Host-sessionid"]
    for cookie in (csrf, session):
        assert cookie["secure"] is True
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"
        assert cookie["path"] == "/"
        assert cookie["domain"] == ""
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


def _manage(*args, **env):
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=django_settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "AUDIT_HMAC_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "trust.example.com",
}


def test_check_deploy_reports_nothing_with_only_the_three_production_variables():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


def test_check_deploy_still_clean_with_hsts_preload_opted_in():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", SECURE_HSTS_PRELOAD="1", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_production_refuses_an_hsts_shorter_than_a_year():
    result = _manage("check", SECURE_HSTS_SECONDS="3600", **PRODUCTION_ENV)
    assert result.returncode != 0
    assert "SECURE_HSTS_SECONDS must be at least 31536000" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_mode_keeps_development_conveniences():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.DEBUG, s.SESSION_COOKIE_NAME, s.SESSION_COOKIE_SECURE)",
        DEBUG="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True sessionid False"


def test_the_policy_header_is_django_csps_own_and_follows_the_settings(published, client, settings):
    from dataclasses import asdict

    from csp.middleware import PolicyParts
    from csp.utils import build_policy

    header = client.get("/").headers["Content-Security-Policy"]
    assert header == build_policy(**asdict(PolicyParts()))  # built once, identical to django-csp's
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert client.get("/changes/").headers["Content-Security-Policy"] == "default-src 'none'"
