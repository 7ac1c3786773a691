"""Sessions: new key at sign-in, idle and absolute limits, ended on password change and deactivation."""

import datetime

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client

from tests.conftest import PASSWORD, sign_in
from trustcenter.core.services import user_sessions_end

START = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


def signed_in_as(client, path="/"):
    user = client.get(path).wsgi_request.user
    return user if user.is_authenticated else None


def admin_login(client, user, password=PASSWORD, **kwargs):
    """Sign in as staff do: allauth's form, then the authenticator code (the admin's own form redirects there)."""
    return sign_in(client, user, password, next_url="/admin/", **kwargs)


def test_signing_in_issues_a_new_session_key(published, sales):
    client = Client()
    session = client.session
    session["visited"] = True
    session.save()
    before = session.session_key
    assert client.get("/").wsgi_request.session.session_key == before
    response = admin_login(client, sales)
    assert response.status_code == 302
    after = response.cookies["__Host-sessionid"].value
    assert after and after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert signed_in_as(client) == sales


def test_a_session_ends_after_the_idle_timeout(published, prospect, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    with time_machine.travel(START, tick=False) as traveller:
        client = Client()
        client.force_login(prospect)
        key = client.session.session_key
        assert signed_in_as(client) == prospect
        traveller.shift(datetime.timedelta(minutes=29))
        assert signed_in_as(client) == prospect
        traveller.shift(datetime.timedelta(minutes=29))  # activity keeps it alive
        assert signed_in_as(client) == prospect
        traveller.shift(datetime.timedelta(minutes=31))
        response = client.get("/")
        assert response.wsgi_request.user.is_anonymous
        assert "You were signed out after 30 minutes without activity" in response.content.decode()
        assert not Session.objects.filter(session_key=key).exists()
        assert signed_in_as(client) is None


def test_a_session_ends_at_its_absolute_lifetime_even_when_active(published, prospect, settings):
    settings.SESSION_IDLE_TIMEOUT = 60 * 60
    settings.SESSION_ABSOLUTE_LIFETIME = 3 * 3600
    with time_machine.travel(START, tick=False) as traveller:
        client = Client()
        client.force_login(prospect)
        for _ in range(5):  # active every 35 minutes: 2h55 after sign-in
            traveller.shift(datetime.timedelta(minutes=35))
            assert signed_in_as(client) == prospect
        traveller.shift(datetime.timedelta(minutes=10))
        response = client.get("/")
        assert response.wsgi_request.user.is_anonymous
        assert "You were signed out after 3 hours since you signed in" in response.content.decode()


def test_signing_in_again_restarts_the_absolute_lifetime(published, sales, settings):
    settings.SESSION_ABSOLUTE_LIFETIME = 2 * 3600
    with time_machine.travel(START, tick=False) as traveller:
        client = Client()
        client.force_login(sales)
        traveller.shift(datetime.timedelta(hours=2, minutes=1))
        assert signed_in_as(client) is None
        assert admin_login(client, sales).status_code == 302
        traveller.shift(datetime.timedelta(minutes=50))
        assert signed_in_as(client) == sales


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(published, sales):
    laptop, phone = Client(), Client()
    assert admin_login(laptop, sales).status_code == 302
    assert admin_login(phone, sales, use_recovery_code=True).status_code == 302
    response = laptop.post(
        "/admin/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase-42",
            "new_password2": "a-new-long-passphrase-42",
        },
    )
    assert response.status_code == 302
    assert signed_in_as(laptop) == sales
    assert signed_in_as(phone) is None


def test_a_password_set_by_staff_ends_every_session_of_that_user(published, prospect, security_admin):
    victim = Client()
    victim.force_login(prospect)
    assert signed_in_as(victim) == prospect
    staff = Client()
    staff.force_login(security_admin)
    response = staff.post(
        f"/admin/core/user/{prospect.pk}/password/",
        {
            "password1": "reset-by-staff-passphrase-9",
            "password2": "reset-by-staff-passphrase-9",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert signed_in_as(victim) is None


def _change_form(user, **changes):
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "company": user.company,
        "role": user.role,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_staff_deactivating_a_user_ends_all_their_sessions(
    published, prospect, security_admin, django_capture_on_commit_callbacks
):
    laptop, phone = Client(), Client()
    for client in (laptop, phone):
        client.force_login(prospect)
    keys = {laptop.session.session_key, phone.session.session_key}
    staff = Client()
    staff.force_login(security_admin)
    staff_key = staff.session.session_key
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/admin/core/user/{prospect.pk}/change/", _change_form(prospect, is_active=""))
    assert response.status_code == 302, response.content.decode()[:3000]
    prospect.refresh_from_db()
    assert prospect.is_active is False
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert Session.objects.filter(session_key=staff_key).exists()
    # Re-activating the account does not bring the old cookies back.
    prospect.is_active = True
    prospect.save()
    assert signed_in_as(laptop) is None
    assert signed_in_as(phone) is None


@pytest.mark.django_db(transaction=True)
def test_deactivation_outside_the_admin_ends_sessions_once_committed(prospect, sales):
    client = Client()
    client.force_login(prospect)
    other = Client()
    other.force_login(sales)
    prospect.is_active = False
    prospect.save()
    assert not Session.objects.filter(session_key=client.session.session_key).exists()
    assert Session.objects.filter(session_key=other.session.session_key).exists()
    assert user_sessions_end(user_id=prospect.pk) == 0


def test_anonymous_visitors_without_a_session_get_cacheable_pages(published):
    response = Client().get("/")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("public, ")
    assert not response.cookies
