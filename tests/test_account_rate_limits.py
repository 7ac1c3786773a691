"""allauth's rate limits (ACCOUNT_RATE_LIMITS) on sign-in, sign-up and password reset."""

from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD


def test_too_many_sign_in_attempts_from_one_address_get_the_429_page(published, prospect, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    client = Client()
    for _ in range(3):
        response = client.post(reverse("account_login"), {"login": prospect.email, "password": "wrong-guess-000"})
        assert response.status_code == 200
    response = client.post(reverse("account_login"), {"login": prospect.email, "password": PASSWORD})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many requests" in page and 'class="site-header"' in page
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert response.wsgi_request.user.is_anonymous
    # Another client address is not affected.
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post(reverse("account_login"), {"login": prospect.email, "password": PASSWORD}).status_code == 302


def test_failed_attempts_on_one_address_lock_that_address_even_with_the_right_password(published, prospect, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "100/m/ip,3/5m/key"}
    for n in range(3):
        client = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")  # spread over addresses: the per-address key still counts
        client.post(reverse("account_login"), {"login": prospect.email, "password": "wrong-guess-000"})
    response = Client(REMOTE_ADDR="198.51.100.50").post(
        reverse("account_login"), {"login": prospect.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert response.wsgi_request.user.is_anonymous


def test_password_reset_mails_are_limited_per_address(published, prospect, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "100/h/ip,2/h/key"}
    for _ in range(4):
        Client().post(reverse("account_reset_password"), {"email": prospect.email})
    assert len([m for m in mail.outbox if m.to == [prospect.email]]) == 2


def test_sign_ups_are_limited_per_client_address(published, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/h/ip"}
    client = Client()
    statuses = []
    for n in range(3):
        password = "plain-sailing-harbour-17"
        response = client.post(
            reverse("account_signup"),
            {"email": f"bot{n}@spam.example", "password1": password, "password2": password},
        )
        statuses.append(response.status_code)
        client = Client()
    assert statuses == [302, 302, 429]


def test_allauth_counts_client_addresses_behind_the_same_proxies_as_our_limits(settings):
    assert settings.ACCOUNT_RATE_LIMITS["login_failed"] == "10/m/ip,5/5m/key"
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == settings.TRUSTED_PROXY_COUNT
