"""allauth's rate limits (ACCOUNT_RATE_LIMITS) on sign-in, sign-up and password reset."""

import re

from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from trustcenter.audit.models import AuditEvent


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


def _fail(email, n):
    client = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")  # a stranger rotating addresses
    return client.post(reverse("account_login"), {"login": email, "password": "wrong-guess-000"})


def test_failures_from_rotating_addresses_slow_an_account_but_never_lock_its_owner_out(
    published, prospect, security_admin, settings
):
    settings.ACCOUNT_LOCKOUT_THRESHOLD = 3
    for n in range(3):
        _fail(prospect.email, n)
    # The account now waits: an attempt from anywhere else is refused, even with the right password.
    response = Client(REMOTE_ADDR="198.51.100.50").post(
        reverse("account_login"), {"login": prospect.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert response.wsgi_request.user.is_anonymous
    # The owner was mailed an unlock link, the security admins were told.
    to_owner = [m for m in mail.outbox if m.to == [prospect.email]]
    assert len(to_owner) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/unlock/\S+/)", to_owner[0].body)[1]
    assert any(m.to == [security_admin.email] and prospect.email in m.subject for m in mail.outbox)
    assert AuditEvent.objects.filter(kind="account.sign_in_slowed", data__email=prospect.email).exists()
    # The stranger keeps failing; the owner's browser, unlocked by the link, signs in regardless.
    owner = Client(REMOTE_ADDR="192.0.2.77")
    assert owner.get(link).status_code == 302
    _fail(prospect.email, 7)
    response = owner.post(reverse("account_login"), {"login": prospect.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.wsgi_request.user == prospect


def test_a_forged_unlock_link_unlocks_nothing(published, prospect, settings):
    settings.ACCOUNT_LOCKOUT_THRESHOLD = 1
    _fail(prospect.email, 1)
    client = Client()
    response = client.get("/accounts/unlock/not-a-real-token/", follow=True)
    assert "not valid" in response.content.decode()
    response = client.post(reverse("account_login"), {"login": prospect.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()


def test_the_wait_doubles_with_each_further_failure_up_to_the_maximum(settings):
    from trustcenter.accounts.lockout import _delay

    settings.ACCOUNT_LOCKOUT_THRESHOLD, settings.ACCOUNT_LOCKOUT_MAX_DELAY = 5, 900
    assert [_delay(n) for n in (4, 5, 6, 7, 8, 9, 20)] == [0, 30, 60, 120, 240, 480, 900]


def test_unknown_and_known_addresses_get_the_same_answer(published, prospect, settings):
    settings.ACCOUNT_LOCKOUT_THRESHOLD = 2
    answers = []
    for email in (prospect.email, "nobody-here@prospect.example"):
        for n in range(3):
            response = _fail(email, n)
        answers.append((response.status_code, "Too many failed login attempts" in response.content.decode()))
    assert answers[0] == answers[1] == (200, True)


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
    assert settings.ACCOUNT_RATE_LIMITS["login_failed"] == "10/m/ip"  # per IP only: see accounts.lockout
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == settings.TRUSTED_PROXY_COUNT
