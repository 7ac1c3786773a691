"""Users see where they are signed in and can end their other sessions."""

from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD


def signed_in(client):
    return client.get("/").wsgi_request.user.is_authenticated


def sign_in_from(address, agent, user):
    client = Client(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
    assert client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_the_sessions_page_lists_each_sign_in_with_its_address_and_browser(published, prospect):
    laptop = sign_in_from("192.0.2.20", "Firefox on Linux", prospect)
    sign_in_from("198.51.100.7", "Safari on iPhone", prospect)
    page = laptop.get(reverse("usersessions_list")).content.decode()
    assert "192.0.2.20" in page and "Firefox on Linux" in page
    assert "198.51.100.7" in page and "Safari on iPhone" in page
    assert "Current" in page
    assert "<script" not in page


def test_ending_the_other_sessions_signs_them_out_and_keeps_this_one(published, prospect, sales):
    laptop = sign_in_from("192.0.2.20", "Firefox", prospect)
    phone = sign_in_from("198.51.100.7", "Safari", prospect)
    phone_key = phone.session.session_key
    response = laptop.post(reverse("usersessions_list"))
    assert response.status_code == 302
    assert signed_in(laptop)
    assert not signed_in(phone)
    assert not Session.objects.filter(session_key=phone_key).exists()
    assert list(UserSession.objects.filter(user=prospect).values_list("ip", flat=True)) == ["192.0.2.20"]


def test_nobody_sees_or_ends_another_users_sessions(published, prospect, django_user_model):
    from tests.conftest import _user

    other = _user(django_user_model, "other@prospect.example")
    theirs = sign_in_from("203.0.113.50", "Edge", other)
    mine = sign_in_from("192.0.2.20", "Firefox", prospect)
    page = mine.get(reverse("usersessions_list")).content.decode()
    assert "203.0.113.50" not in page
    mine.post(reverse("usersessions_list"))
    assert signed_in(theirs)


def test_the_sessions_page_needs_a_signed_in_user(published):
    response = Client().get(reverse("usersessions_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
