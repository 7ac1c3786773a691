"""Abuse limits: the helper, the 429 page, search per IP, and request size limits."""

import datetime
import threading

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory

from trustcenter.lib.ratelimit import Rate, RateLimited, client_ip, count_all, counter_for, enforce, forget_leases, hit


@pytest.fixture(autouse=True)
def empty_cache():
    # Windows are fixed (per minute, per hour): each test starts at the top of an hour, so no
    # window boundary falls inside it and a count cannot restart halfway through a test.
    with time_machine.travel(datetime.datetime(2026, 11, 30, 12, 0, 0, tzinfo=datetime.UTC), tick=True):
        cache.clear()
        yield
        cache.clear()


def _search(client, ip="203.0.113.7", **extra):
    return client.get("/search/", {"q": "encryption"}, REMOTE_ADDR=ip, **extra)


def test_search_gets_the_429_page_after_the_limit_per_ip(published, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "3/m"}
    client = Client()
    assert [_search(client).status_code for _ in range(3)] == [200, 200, 200]
    response = _search(client)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    body = response.content.decode()
    assert "Too many requests" in body
    assert "Kestrel Analytics" in body  # the site's own layout, header and footer
    assert 'class="site-header"' in body
    assert "default-src 'self'" in response["Content-Security-Policy"].split("; ")


def test_another_ip_is_not_affected_by_someone_elses_limit(published, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "2/m"}
    client = Client()
    for _ in range(3):
        _search(client, ip="203.0.113.7")
    assert _search(client, ip="203.0.113.7").status_code == 429
    assert _search(client, ip="198.51.100.20").status_code == 200


def test_a_forged_x_forwarded_for_does_not_reset_the_limit_without_trusted_proxies(published, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "2/m"}
    settings.TRUSTED_PROXY_COUNT = 0
    client = Client()
    statuses = [_search(client, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code for n in range(4)]
    assert statuses == [200, 200, 429, 429]


def test_behind_one_proxy_the_address_it_saw_counts_not_what_the_client_wrote(published, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "2/m"}
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client()
    proxy = "10.0.0.2"
    # The client prepends made-up addresses; the proxy appends the real one.
    statuses = [_search(client, ip=proxy, HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.9").status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    assert _search(client, ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.10").status_code == 200


@pytest.mark.parametrize(
    ("remote", "forwarded", "proxies", "expected"),
    [
        ("203.0.113.5", "", 0, "203.0.113.5"),
        ("203.0.113.5", "198.51.100.1", 0, "203.0.113.5"),
        ("10.0.0.2", "198.51.100.1", 1, "198.51.100.1"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.1", 2, "198.51.100.1"),
        ("10.0.0.2", "", 1, "10.0.0.2"),  # header missing: fall back to the peer
        ("10.0.0.2", "not-an-ip", 1, "unknown"),
        ("2001:db8:1:2:3:4:5:6", "", 0, "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.1", "", 0, "192.0.2.1"),
    ],
)
def test_client_ip(settings, remote, forwarded, proxies, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_a_window_resets_after_its_period():
    rate = Rate(count=2, period=60)
    assert [hit(scope="t", identity="a", rate=rate, now=120.0 + s).allowed for s in (0, 10, 20)] == [True, True, False]
    blocked = hit(scope="t", identity="a", rate=rate, now=150.0)
    assert blocked.retry_after == 30
    assert hit(scope="t", identity="a", rate=rate, now=180.0).allowed


def test_concurrent_requests_cannot_slip_past_the_limit():
    rate = Rate(count=10, period=3600)
    results = []
    lock = threading.Lock()

    def worker():
        for _ in range(5):
            decision = hit(scope="race", identity="same", rate=rate)
            with lock:
                results.append(decision.allowed)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 40
    assert results.count(True) == 10


def test_a_high_rate_reserves_numbers_in_leases_and_a_small_one_counts_each_request():
    search = counter_for(scope="search", identity="ip:192.0.2.4", rate=Rate(count=100, period=60))
    sign_in = counter_for(scope="sign_in", identity="ip:192.0.2.4", rate=Rate(count=5, period=60))
    numbers, shared = [], []
    for _ in range(6):
        numbers.append(count_all([search, sign_in]))
        shared.append((cache.get(search.key), cache.get(sign_in.key)))
    assert numbers == [[n, n] for n in range(1, 7)]
    assert shared == [(5, 1), (5, 2), (5, 3), (5, 4), (5, 5), (10, 6)]
    forget_leases()  # as in another process: it continues after what this one reserved
    assert count_all([search]) == [11]


def test_per_user_limits_count_each_user_separately(db, prospect, sales, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "download_user": "2/h"}
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")
    request.user = prospect
    enforce(request, "download_user", key="user")
    enforce(request, "download_user", key="user")
    with pytest.raises(RateLimited) as info:
        enforce(request, "download_user", key="user")
    assert 0 < info.value.retry_after <= 3600
    request.user = sales  # same IP, another user
    enforce(request, "download_user", key="user")


def test_a_per_user_limit_on_an_anonymous_request_is_a_programming_error(db):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(ImproperlyConfigured, match="signed-in user"):
        enforce(request, "download_user", key="user")


def test_limits_can_be_switched_off(published, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "1/m"}
    settings.RATELIMIT_ENABLED = False
    client = Client()
    assert {_search(client).status_code for _ in range(3)} == {200}


@pytest.mark.parametrize("value", ["60/m", "5/h", "100/10m", "1/d", "7/s"])
def test_rates_parse(value):
    rate = Rate.parse(value)
    assert rate.count >= 1 and rate.period >= 1


@pytest.mark.parametrize("value", ["", "60", "m/60", "0/m", "5/0m", "5/w", "-1/m"])
def test_malformed_rates_are_refused_with_a_message(value):
    with pytest.raises(ImproperlyConfigured, match="must look like|at least 1"):
        Rate.parse(value)


# Request size limits


def test_a_body_over_the_limit_gets_413_before_it_is_read(published, settings):
    body = b"x" * (settings.REQUEST_BODY_MAX_BYTES + 1)
    response = Client().post("/search/", data=body, content_type="application/octet-stream")
    assert response.status_code == 413
    assert "at most 1.0 MB" in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"


def test_a_body_under_the_limit_reaches_the_view(published, settings):
    body = b"x" * (settings.REQUEST_BODY_MAX_BYTES - 10)
    response = Client().post("/search/", data=body, content_type="application/octet-stream")
    assert response.status_code == 405  # search only answers GET: the view was reached


def test_the_admin_accepts_large_uploads_up_to_its_own_limit(published, security_admin, settings):
    client = Client()
    client.force_login(security_admin)
    big = b"x" * (5 * 1024 * 1024)
    response = client.post("/admin/login/", data=big, content_type="application/octet-stream")
    assert response.status_code != 413
    too_big = b"x" * (settings.REQUEST_BODY_LIMITS["/admin/"] + 1)
    response = client.post("/admin/login/", data=too_big, content_type="application/octet-stream")
    assert response.status_code == 413
    assert "at most 51.0 MB" in response.content.decode()


def test_a_malformed_content_length_is_a_bad_request(published):
    response = Client().generic("POST", "/search/", b"abc", CONTENT_LENGTH="12x")
    assert response.status_code == 400


def test_too_many_form_fields_are_refused(published):
    fields = {f"f{n}": "1" for n in range(600)}
    response = Client(raise_request_exception=False).post("/accounts/login/", fields)
    assert response.status_code == 400


def test_the_413_and_400_pages_speak_the_visitors_language(published, settings):
    # Both are answered before LocaleMiddleware; they still follow Accept-Language.
    body = b"x" * (settings.REQUEST_BODY_MAX_BYTES + 1)
    response = Client().post(
        "/search/", data=body, content_type="application/octet-stream", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9"
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "Das war zu viel auf einmal" in page and 'lang="de"' in page
    assert response["Content-Language"] == "de" and "Accept-Language" in response["Vary"]
    response = Client().generic("POST", "/search/", b"abc", CONTENT_LENGTH="12x", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 400 and "Ungültige Anfrage" in response.content.decode()
    response = Client().generic("POST", "/search/", b"abc", CONTENT_LENGTH="12x", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "Bad request" in response.content.decode()
