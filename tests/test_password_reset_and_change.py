"""Password reset that reveals nothing; changing or resetting a password ends the other sessions."""

import re

from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, reauthenticate
from trustcenter.audit.models import AuditEvent

NEW_PASSWORD = "lantern-orchard-meadow-58"


def signed_in_user(client):
    user = client.get("/").wsgi_request.user
    return user if user.is_authenticated else None


def request_reset(email):
    return Client().post(reverse("account_reset_password"), {"email": email}, follow=True)


def test_a_reset_for_an_unknown_address_looks_exactly_like_one_for_a_known_one(published, prospect):
    known = request_reset(prospect.email)
    unknown = request_reset("nobody@nowhere.example")
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    strip = lambda page: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.content.decode())  # noqa: E731
    assert strip(known) == strip(unknown)
    # The owner of the known address gets a link; nobody learns the other address is unknown
    # except its owner, by mail.
    assert [m.to for m in mail.outbox] == [[prospect.email], ["nobody@nowhere.example"]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert "/accounts/password/reset/key/" not in mail.outbox[1].body


def test_resetting_the_password_ends_every_session_and_the_new_one_works(published, prospect):
    laptop = Client()
    laptop.force_login(prospect)
    request_reset(prospect.email)
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)[1]
    browser = Client()
    form = browser.get(link, follow=True)
    assert form.status_code == 200
    response = browser.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert signed_in_user(laptop) is None
    assert AuditEvent.objects.filter(kind="account.password_reset", actor=prospect).exists()
    fresh = Client()
    fresh.post(reverse("account_login"), {"login": prospect.email, "password": NEW_PASSWORD})
    assert signed_in_user(fresh) == prospect


def test_changing_the_password_keeps_this_session_and_ends_the_others(published, prospect):
    laptop, phone = Client(), Client()
    for client in (laptop, phone):
        client.post(reverse("account_login"), {"login": prospect.email, "password": PASSWORD})
        assert signed_in_user(client) == prospect
    phone_key = phone.session.session_key
    response = laptop.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert signed_in_user(laptop) == prospect
    assert signed_in_user(phone) is None
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=phone_key).exists()
    event = AuditEvent.objects.get(kind="account.password_changed")
    assert event.actor == prospect and event.data == {"other_sessions_ended": 1}
    assert any("password" in m.subject.lower() for m in mail.outbox)  # the owner is told


def test_changing_the_password_needs_the_current_one(published, prospect):
    client = Client()
    client.force_login(prospect)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "a-wrong-guess-123", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    prospect.refresh_from_db()
    assert prospect.check_password(PASSWORD)


def test_adding_an_email_address_needs_the_password_confirmed_within_minutes(published, prospect, settings):
    import time_machine

    add = {"action_add": "", "email": "second@prospect.example"}
    with time_machine.travel("2026-11-02 09:00Z", tick=False) as traveller:
        client = Client()
        client.post(reverse("account_login"), {"login": prospect.email, "password": PASSWORD})
        reauthenticate(client)
        traveller.shift(settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 60)
        response = client.post(reverse("account_email"), add)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        assert not prospect.emailaddress_set.filter(email="second@prospect.example").exists()
        reauthenticate(client)
        assert client.post(reverse("account_email"), add).status_code == 302
        assert prospect.emailaddress_set.filter(email="second@prospect.example", verified=False).exists()
        assert AuditEvent.objects.filter(kind="account.email_added", actor=prospect).exists()
