"""Sign-up with a verified email address, sign-in by email, sign-out by POST only."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from trustcenter.audit.models import AuditEvent

NEW_PASSWORD = "plain-sailing-harbour-17"


def signed_in_user(client):
    user = client.get("/").wsgi_request.user
    return user if user.is_authenticated else None


def sign_up(client, email="newcomer@globex.example", password=NEW_PASSWORD):
    return client.post(reverse("account_signup"), {"email": email, "password1": password, "password2": password})


def confirmation_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body)
    assert match, message.body
    return match[1]


def test_a_new_user_signs_up_confirms_the_email_and_signs_in(published):
    client = Client()
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert signed_in_user(client) is None  # nobody is in before the address is confirmed
    user = get_user_model().objects.get(email="newcomer@globex.example")
    assert user.role == "customer" and not user.is_staff
    assert not EmailAddress.objects.get(user=user).verified

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["newcomer@globex.example"]
    assert "Kestrel Analytics" in message.subject
    assert message.body.startswith("Hello from the Kestrel Analytics Trust Center.")
    link = confirmation_link(message)

    # Following the link only shows a button: a mail scanner fetching it confirms nothing.
    page = Client().get(link)
    assert page.status_code == 200 and "newcomer@globex.example" in page.content.decode()
    assert not EmailAddress.objects.get(user=user).verified
    assert Client().post(link).status_code == 302
    assert EmailAddress.objects.get(user=user).verified

    fresh = Client()
    response = fresh.post(reverse("account_login"), {"login": "Newcomer@Globex.example", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert signed_in_user(fresh) == user
    kinds = list(AuditEvent.objects.order_by("seq").values_list("kind", flat=True))
    assert kinds[:1] == ["account.signed_up"]
    assert "account.email_confirmed" in kinds and kinds[-1] == "account.signed_in"


def test_an_unverified_user_cannot_sign_in_and_is_told_to_check_their_mail(published, unverified):
    client = Client()
    response = client.post(reverse("account_login"), {"login": unverified.email, "password": PASSWORD}, follow=True)
    assert signed_in_user(client) is None
    page = response.content.decode()
    assert "Verify Your Email Address" in page or "verify your email" in page.lower()
    assert mail.outbox and mail.outbox[-1].to == [unverified.email]


def test_signing_up_with_a_taken_address_looks_the_same_and_mails_the_owner(published, prospect):
    first = sign_up(Client(), email="someone-new@globex.example")
    second = sign_up(Client(), email=prospect.email)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert get_user_model().objects.filter(email=prospect.email).count() == 1
    to_owner = [m for m in mail.outbox if m.to == [prospect.email]]
    assert len(to_owner) == 1 and "already" in to_owner[0].body.lower()


def test_usernames_do_not_exist_the_sign_up_form_asks_only_email_and_password(published):
    page = Client().get(reverse("account_signup")).content.decode()
    assert 'name="email"' in page and 'name="password1"' in page
    assert 'name="username"' not in page


def test_a_weak_password_is_refused_with_the_reason(published):
    response = sign_up(Client(), password="short")
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    assert not get_user_model().objects.filter(email="newcomer@globex.example").exists()


def test_a_wrong_password_is_refused_and_recorded(published, prospect):
    client = Client()
    response = client.post(reverse("account_login"), {"login": prospect.email, "password": "not-the-password"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert signed_in_user(client) is None
    event = AuditEvent.objects.get(kind="account.sign_in_failed")
    assert event.data == {"email": prospect.email}
    assert event.ip == "127.0.0.1"


def test_sign_out_needs_a_post_a_get_only_asks(published, prospect):
    client = Client()
    client.force_login(prospect)
    response = client.get(reverse("account_logout"))
    assert response.status_code == 200
    assert 'method="post"' in response.content.decode()
    assert signed_in_user(client) == prospect
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert signed_in_user(client) is None
    assert AuditEvent.objects.filter(kind="account.signed_out", actor=prospect).count() == 1


def test_sign_out_without_the_csrf_token_is_refused(published, prospect):
    client = Client(enforce_csrf_checks=True)
    client.force_login(prospect)
    assert client.post(reverse("account_logout")).status_code == 403
    assert signed_in_user(client) == prospect


@pytest.mark.parametrize("who", ["anonymous", "prospect"])
def test_the_header_offers_what_fits_the_visitor(published, prospect, who):
    client = Client()
    if who == "prospect":
        client.force_login(prospect)
    page = client.get("/").content.decode()
    if who == "anonymous":
        assert reverse("account_login") in page and reverse("account_signup") in page
        assert reverse("account_logout") not in page
    else:
        assert f'action="{reverse("account_logout")}"' in page and 'method="post"' in page
        assert reverse("account_email") in page
        assert reverse("account_signup") not in page


def test_the_admin_login_form_sends_everyone_to_the_real_sign_in(published):
    response = Client().get("/admin/login/?next=/admin/policies/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fpolicies%2F"
    response = Client().get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    assert Client().post("/admin/login/", {"username": "x", "password": "y"}).status_code == 405


def test_account_pages_use_the_site_design_without_inline_script(published, prospect):
    client = Client()
    for name in ("account_login", "account_signup", "account_reset_password"):
        page = client.get(reverse(name)).content.decode()
        assert 'class="site-header"' in page and "/static/css/site.css" in page
        assert "<script" not in page
        assert ' style="' not in page
    client.force_login(prospect)
    for name in ("account_email", "account_change_password", "mfa_index", "usersessions_list"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        page = response.content.decode()
        assert 'class="account-nav"' in page, name
        assert "<script" not in page, name


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting how often a password is hashed."""

    algorithm = "counting_md5"
    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


def test_signing_up_with_a_taken_address_does_the_same_hashing_as_a_new_one(published, prospect, settings):
    """Timing is measured by bench/signup_timing.py; here, that both paths hash a password once."""
    settings.PASSWORD_HASHERS = ["tests.test_sign_up_and_sign_in.CountingHasher"]
    counts = []
    for email in ("brand-new@globex.example", prospect.email):
        CountingHasher.calls = 0
        sign_up(Client(), email=email)
        counts.append(CountingHasher.calls)
    assert counts == [1, 1]
