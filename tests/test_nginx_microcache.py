"""The micro-cache of deploy/nginx.conf, exercised through a real nginx in front of the app.

The directives are the shipped ones (bench/servers.py reads them between the file's markers);
nginx proxies to Django's live server, as it proxies to gunicorn in production. `make test`
installs nginx (Debian's package); without it this module is skipped and says why.
"""

import http.client
import urllib.parse
from pathlib import Path

import pytest
from django.conf import settings

from bench.servers import Nginx
from tests.browser_support import live_published  # noqa: F401 - a fixture

NGINX = Nginx.binary()
pytestmark = [
    pytest.mark.skipif(
        not Path(NGINX).exists(), reason="nginx is not installed: `make test` installs it (apt-get install nginx)"
    ),
    pytest.mark.usefixtures("live_published"),
]


@pytest.fixture
def front(live_server, tmp_path):
    server = Nginx(tmp_path / "nginx", proxies={"app": live_server.url})
    server.start()
    yield server.url("app")
    server.stop()


def get(base: str, path: str, headers: dict | None = None) -> tuple[int, dict, str]:
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
    finally:
        conn.close()


def session_cookie(client, user) -> str:
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def test_anonymous_pages_are_served_from_the_micro_cache(front):
    status, first, body = get(front, "/")
    assert status == 200 and first["x-cache-status"] == "MISS"
    assert first["cache-control"].startswith("public, max-age=")
    status, second, again = get(front, "/")
    assert second["x-cache-status"] == "HIT" and again == body
    # The app's security headers come with the cached copy.
    assert "default-src 'self'" in second["content-security-policy"]


def test_a_signed_in_reader_never_gets_the_cached_page_and_theirs_is_never_stored(front, client, sales):
    cookie = session_cookie(client, sales)
    _, _, anonymous = get(front, "/changes/")
    assert get(front, "/changes/")[1]["x-cache-status"] == "HIT"
    status, headers, theirs = get(front, "/changes/", {"Cookie": cookie})
    assert status == 200 and headers["x-cache-status"] == "BYPASS"
    assert never_stored(headers["cache-control"])
    assert theirs != anonymous and "sam@kestrel.example" not in anonymous
    # A page a signed-in reader asked for first is not kept for the next anonymous visitor.
    get(front, "/policies/", {"Cookie": cookie})
    status, headers, body = get(front, "/policies/")
    assert headers["x-cache-status"] == "MISS"
    assert "Sam Sales" not in body


def test_each_language_has_its_own_entry(front):
    _, english_headers, english = get(front, "/", {"Accept-Language": "en"})
    _, german_headers, german = get(front, "/", {"Accept-Language": "de-DE,de;q=0.9"})
    assert english_headers["content-language"] == "en" and german_headers["content-language"] == "de"
    assert german != english
    cookie = f"{settings.LANGUAGE_COOKIE_NAME}=de"
    _, headers, body = get(front, "/", {"Accept-Language": "en", "Cookie": cookie})
    assert headers["content-language"] == "de" and body == german


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/"])
def test_a_response_that_sets_a_cookie_is_never_cached(front, path):
    for _ in range(2):
        status, headers, _ = get(front, path)
        assert status == 200 and "set-cookie" in headers
        assert never_stored(headers["cache-control"])
        assert headers["x-cache-status"] == "MISS"


def never_stored(cache_control: str) -> bool:
    """`private, no-store` (or Django's `never_cache`, which says both)."""
    directives = {d.strip() for d in cache_control.lower().split(",")}
    return {"private", "no-store"} <= directives and "public" not in directives
