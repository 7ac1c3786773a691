"""The whole-page cache for anonymous visitors: hits, invalidation on publish, who never gets a cached page."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests import urls_public_page
from trustcenter.lib.pagecache import _cache_is_per_process, publication_bump
from trustcenter.policies.models import Policy
from trustcenter.policies.services import content_publish

pytestmark = pytest.mark.usefixtures("published")

CACHED_PAGES = [
    "/",
    "/policies/data-protection/",
    "/policies/data-protection/v/1/",
    "/policies/data-protection/changes/?from=1&to=3",
    "/changes/",
    "/changes/feed/",
    "/search/?q=encryption",
    "/sitemap.xml",
    "/.well-known/security.txt",
    "/robots.txt",
    "/policies/data-protection/pdf/",
]


def _raise_version(content_dir: Path, marker: str) -> None:
    path = content_dir / "policies" / "data-protection.md"
    text = path.read_text().replace("version: 3", "version: 4", 1)
    path.write_text(text.replace("## Scope", f"## Scope\n\n{marker}", 1))


@pytest.mark.parametrize("url", CACHED_PAGES)
def test_the_second_anonymous_request_is_served_without_touching_the_database(client, django_assert_num_queries, url):
    first = client.get(url)
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.status_code == 200
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert second["Content-Type"] == first["Content-Type"]


def test_a_cached_page_carries_every_security_header_and_nothing_personal(client):
    client.get("/")
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response  # the test client speaks plain HTTP
    assert not response.cookies
    assert response["Cache-Control"] == "public, max-age=60, stale-while-revalidate=30"
    # Any cache that keeps it never hands it to a request with another cookie (a signed-in reader).
    assert {v.strip() for v in response["Vary"].split(",")} == {"Accept-Language", "Cookie"}


def test_a_cached_https_page_keeps_hsts_and_the_http_one_is_another_entry(client):
    secure = client.get("/", secure=True)
    assert "max-age=" in secure["Strict-Transport-Security"]
    assert "Strict-Transport-Security" in client.get("/", secure=True)
    assert "Strict-Transport-Security" not in client.get("/")


def test_publishing_a_new_version_shows_at_once(client, published):
    before = client.get("/policies/data-protection/").content.decode()
    overview_before = client.get("/").content.decode()
    assert "Now with post-quantum keys" not in before
    _raise_version(published, "Now with post-quantum keys.")
    content_publish(root=published)
    after = client.get("/policies/data-protection/").content.decode()
    assert "Now with post-quantum keys" in after
    assert "Version</dt><dd>4 (current)" in after
    assert client.get("/").content.decode() != overview_before
    assert "/policies/data-protection/v/4/" in client.get("/changes/feed/").content.decode()


def test_a_change_made_in_the_admin_or_a_shell_invalidates_too(client):
    assert "Renamed in the admin" not in client.get("/").content.decode()
    policy = Policy.objects.get(slug="vendor-management")
    policy.title = "Renamed in the admin"
    policy.save()
    assert "Renamed in the admin" in client.get("/").content.decode()


def test_a_publication_in_another_process_is_seen_by_this_one(client, settings):
    """A real second process bumps the publication: through Redis, or the stamp file in VAR_DIR per process."""
    assert "https://old.example/sitemap.xml" not in client.get("/robots.txt").content.decode()
    settings.SITE_URL = "https://old.example"
    client.get("/robots.txt")
    # SITE_URL is not part of the key: the cached robots.txt keeps the old address until a publication.
    settings.SITE_URL = "https://new.example"
    assert "https://new.example" not in client.get("/robots.txt").content.decode()
    stamp = Path(django_settings.VAR_DIR) / "publication-stamp"
    before = stamp.read_text() if stamp.exists() else ""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    code = "import django; django.setup(); from trustcenter.lib.pagecache import publication_bump; publication_bump()"
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=django_settings.BASE_DIR, timeout=120)
    if _cache_is_per_process():
        assert stamp.read_text() != before
    assert "Sitemap: https://new.example/sitemap.xml" in client.get("/robots.txt").content.decode()


def test_with_production_settings_another_process_is_seen_within_the_check_interval(client, settings):
    settings.PUBLIC_PAGE_CHECK_SECONDS = 1
    settings.SITE_URL = "https://old.example"
    client.get("/robots.txt")
    settings.SITE_URL = "https://new.example"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    code = "import django; django.setup(); from trustcenter.lib.pagecache import publication_bump; publication_bump()"
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=django_settings.BASE_DIR, timeout=120)
    time.sleep(1.1)
    assert "Sitemap: https://new.example/sitemap.xml" in client.get("/robots.txt").content.decode()


def test_editing_company_yaml_shows_without_a_publication(client, published):
    client.get("/")
    path = published / "company.yaml"
    text = path.read_text()
    path.write_text(text.replace("Product analytics that", "Analytics that", 1))
    later = time.time() + 5
    os.utime(path, (later, later))
    assert "Analytics that product, data" in client.get("/").content.decode()


def test_conditional_requests_get_304_until_the_next_publication(client, published):
    first = client.get("/policies/data-protection/")
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) == 34
    not_modified = client.get("/policies/data-protection/", headers={"if-none-match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    since = client.get("/policies/data-protection/", headers={"if-modified-since": first["Last-Modified"]})
    assert since.status_code == 304
    _raise_version(published, "A new paragraph.")
    content_publish(root=published)
    changed = client.get("/policies/data-protection/", headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert "A new paragraph." in changed.content.decode()


def test_the_first_response_already_answers_a_conditional_request(client):
    etag = client.get("/changes/")["ETag"]
    publication_bump()  # the next request renders again and must still honour If-None-Match
    assert client.get("/changes/", headers={"if-none-match": etag}).status_code == 304


def test_undeclared_query_parameters_share_the_page_and_cannot_fill_the_cache(client, django_assert_num_queries):
    with CaptureQueriesContext(connection) as queries:
        client.get("/?utm_source=evil")
        client.get("/")
    assert len(queries) == 6  # both rendered (3 queries each): the first did not store what it rendered
    page = client.get("/").content
    with django_assert_num_queries(0):
        assert client.get("/?utm_source=mail&x=1").content == page


def test_declared_query_parameters_are_part_of_the_key(client):
    one_to_three = client.get("/policies/data-protection/changes/?from=1&to=3").content
    two_to_three = client.get("/policies/data-protection/changes/?from=2&to=3").content
    assert one_to_three != two_to_three
    assert client.get("/search/?q=backup").content != client.get("/search/?q=encryption").content
    # Leading and trailing spaces do not make another entry (the view strips them too).
    assert client.get("/search/?q=%20backup%20").content == client.get("/search/?q=backup").content


def test_search_from_the_cache_still_counts_against_the_rate_limit(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "3/m"}
    statuses = [client.get("/search/?q=encryption").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_signed_in_users_never_get_a_cached_page_and_theirs_is_never_stored(client_for, sales):
    anonymous = Client()
    locked = anonymous.get("/policies/network-architecture/")
    assert locked.status_code == 403
    staff = client_for(sales)
    page = staff.get("/policies/network-architecture/")
    assert page.status_code == 200
    assert "ETag" not in page
    assert anonymous.get("/policies/network-architecture/").status_code == 403
    # A page a staff member saw first is not stored for the next anonymous visitor...
    assert "ETag" not in staff.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert "ETag" in anonymous.get("/")
    assert len(queries) > 0
    # ...and a page anonymous visitors have in the cache is not what staff get.
    assert "ETag" not in staff.get("/")


def test_a_request_with_a_session_cookie_is_rendered_fresh(client, django_assert_max_num_queries):
    client.get("/changes/")
    client.cookies[django_settings.SESSION_COOKIE_NAME] = "not-a-real-session"
    with django_assert_max_num_queries(5) as queries:
        response = client.get("/changes/")
    assert response.status_code == 200
    assert len(queries) >= 1
    assert "ETag" not in response


@pytest.fixture
def test_urls(settings):
    settings.ROOT_URLCONF = "tests.urls_public_page"
    urls_public_page.CALLS["count"] = 0
    return urls_public_page.CALLS


@pytest.mark.parametrize("url", ["/t/cookie/", "/t/csrf/", "/t/message/", "/t/session/", "/t/private/", "/t/404/"])
def test_responses_that_set_cookies_vary_by_cookie_or_fail_are_never_stored(client, test_urls, url):
    client.get(url)
    client.cookies.clear()
    client.get(url)
    assert test_urls["count"] == 2


def test_post_requests_are_never_answered_from_the_cache(client):
    client.get("/")
    assert client.post("/").status_code == 405


def test_the_cache_can_be_switched_off(client, settings, django_assert_num_queries):
    settings.PUBLIC_PAGE_CACHE = False
    client.get("/")
    with django_assert_num_queries(3):  # the overview's queries (tests/test_query_counts.py), every time
        response = client.get("/")
    assert "ETag" not in response


@pytest.fixture
def german(settings):
    settings.LANGUAGES = [("en", "English"), ("de", "Deutsch")]
    locale = "django.middleware.locale.LocaleMiddleware"
    if locale not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        middleware.insert(middleware.index("django.middleware.common.CommonMiddleware"), locale)
        settings.MIDDLEWARE = middleware


def test_each_language_has_its_own_entry(german, client):
    english = client.get("/", headers={"accept-language": "en"})
    assert english["Content-Language"] == "en"
    german_page = client.get("/", headers={"accept-language": "de-DE,de;q=0.9"})
    assert german_page["Content-Language"] == "de"
    assert german_page.content != english.content  # the interface really is translated
    again = client.get("/", headers={"accept-language": "en"})
    assert again["Content-Language"] == "en" and again.content == english.content
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "de"
    assert client.get("/", headers={"accept-language": "en"})["Content-Language"] == "de"


def test_a_page_this_process_holds_is_dropped_when_another_process_publishes(client, django_assert_num_queries):
    # This process keeps the page it served; only the publication stamp is read for a hit.
    first = client.get("/policies/data-protection/")
    with django_assert_num_queries(0):
        assert client.get("/policies/data-protection/").content == first.content
    publication_bump()  # what a publication anywhere does to the shared stamp
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/policies/data-protection/").status_code == 200
    assert len(queries) > 0, "served the copy from before the publication"


def test_the_process_copy_is_bounded_in_bytes_and_in_age(settings):
    from trustcenter.lib.pagecache import Entry, RecentEntries

    def entry(size, age=0):
        return Entry("stamp", 200, (), b"x" * size, '"e"', time.time() - age)

    recent = RecentEntries(max_bytes=1000)
    recent.put("a", entry(400))
    recent.put("b", entry(400))
    assert recent.get("a") is not None  # "a" is now the most recently used
    recent.put("c", entry(400))  # over 1000 bytes: the least recently used ("b") goes
    assert recent.get("b") is None and recent.get("a") is not None and recent.get("c") is not None
    recent.put("huge", entry(1001))  # larger than the whole budget: not kept at all
    assert recent.get("huge") is None and recent.get("a") is not None
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    recent.put("old", entry(10, age=61))
    assert recent.get("old") is None


# --- What shared caches are told ----------------------------------------------------------------


def test_a_signed_in_reader_gets_public_pages_as_private_no_store(client_for, prospect):
    response = client_for(prospect).get("/policies/data-protection/")
    assert response.status_code == 200
    assert never_stored(response["Cache-Control"])


def test_the_sign_in_response_that_sets_the_session_cookie_is_never_cacheable(client, prospect):
    from tests.conftest import PASSWORD

    response = client.post("/accounts/login/", {"login": prospect.email, "password": PASSWORD})
    assert django_settings.SESSION_COOKIE_NAME in response.cookies
    assert never_stored(response["Cache-Control"])


def test_a_page_that_sets_the_csrf_cookie_is_never_cacheable(client):
    response = client.get("/accounts/login/")
    assert django_settings.CSRF_COOKIE_NAME in response.cookies
    assert never_stored(response["Cache-Control"])


def test_the_language_switch_that_sets_the_language_cookie_is_never_cacheable(client):
    response = client.get("/language/de/?next=/")
    assert django_settings.LANGUAGE_COOKIE_NAME in response.cookies
    assert never_stored(response["Cache-Control"])


@pytest.mark.parametrize("url", ["/t/cookie/", "/t/csrf/", "/t/message/", "/t/session/"])
def test_a_public_page_that_turns_out_personal_is_private_no_store(client, test_urls, url):
    assert never_stored(client.get(url)["Cache-Control"])


# --- The WSGI application: hits sent before Django handles the request ---------------------------


def _wsgi_get(path: str, query: str = "", **headers) -> tuple[str, dict, bytes]:
    import io

    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from trustcenter.wsgi import application

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }
    started, django_ran = [], []

    def note(**kwargs):
        django_ran.append(True)

    request_started.connect(note)
    # As Django's test client does: the request must not close the test's database connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = application(environ, lambda status, headers: started.append((status, dict(headers))))
        content = b"".join(body)
        getattr(body, "close", lambda: None)()
    finally:
        request_started.disconnect(note)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    status, response_headers = started[0]
    response_headers["django"] = bool(django_ran)
    return status, response_headers, content


def test_the_wsgi_application_sends_a_held_page_before_django_runs(client, django_assert_num_queries):
    page = client.get("/policies/data-protection/")
    with django_assert_num_queries(0):
        status, headers, body = _wsgi_get("/policies/data-protection/")
    assert status == "200 OK" and body == page.content
    assert not headers["django"]
    assert headers["Cache-Control"].startswith("public, ") and headers["ETag"] == page["ETag"]
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_the_wsgi_application_leaves_everything_else_to_django(client):
    page = client.get("/policies/data-protection/")
    cookie = f"{django_settings.SESSION_COOKIE_NAME}=not-a-real-session"
    status, headers, _ = _wsgi_get("/policies/data-protection/", cookie=cookie)
    assert headers["django"] and "ETag" not in headers and never_stored(headers["Cache-Control"])
    status, headers, _ = _wsgi_get("/policies/data-protection/", if_none_match=page["ETag"])
    assert status.startswith("304") and headers["django"]
    status, headers, _ = _wsgi_get("/policies/data-protection/", host="evil.example")
    assert status.startswith("400") and headers["django"]
    publication_bump()
    assert _wsgi_get("/policies/data-protection/")[1]["django"]


def test_what_the_wsgi_application_remembers_about_a_request_follows_the_settings(client, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "other.example"]
    page = client.get("/policies/data-protection/", HTTP_HOST="other.example")
    status, headers, body = _wsgi_get("/policies/data-protection/", host="other.example")
    assert status == "200 OK" and not headers["django"] and body == page.content
    # The same request again, once the host is no longer allowed: Django refuses it.
    settings.ALLOWED_HOSTS = [h for h in settings.ALLOWED_HOSTS if h != "other.example"]
    status, headers, _ = _wsgi_get("/policies/data-protection/", host="other.example")
    assert status.startswith("400") and headers["django"]
    # A language other than the one held is another page: never the English bytes.
    status, headers, body = _wsgi_get("/policies/data-protection/", accept_language="de")
    assert body != page.content and headers.get("Content-Language") == "de"


def test_the_wsgi_application_counts_a_rate_limited_hit_and_leaves_the_429_to_django(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "3/m"}
    page = client.get("/search/", {"q": "encryption"})  # the miss, counted by the view: 1
    assert page.status_code == 200
    first = _wsgi_get("/search/", "q=encryption", x_forwarded_for="203.0.113.9")  # 2, not from Django
    second = _wsgi_get("/search/", "q=encryption")  # 3
    assert [first[0], second[0]] == ["200 OK", "200 OK"]
    assert not first[1]["django"] and not second[1]["django"] and second[2] == page.content
    # The fourth is over the limit: Django answers it, with the 429 page and every header.
    status, headers, body = _wsgi_get("/search/", "q=encryption")
    assert status.startswith("429") and headers["django"] and headers["Retry-After"]
    assert never_stored(headers["Cache-Control"]) and "default-src 'self'" in headers["Content-Security-Policy"]
    # Another query is another entry this process does not hold: Django renders it (and the
    # limit still applies there).
    assert _wsgi_get("/search/", "q=backup")[0].startswith("429")


def never_stored(cache_control: str) -> bool:
    """`private, no-store` (or Django's `never_cache`, which says both)."""
    directives = {d.strip() for d in cache_control.lower().split(",")}
    return {"private", "no-store"} <= directives and "public" not in directives
