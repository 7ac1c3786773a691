"""MFA (TOTP and recovery codes) for everyone, required for staff before any staff page opens."""

import re
import time

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, _user, mfa_activate, reauthenticate, recovery_code, sign_in, totp_code
from trustcenter.audit.models import AuditEvent

STAFF_PAGES = [
    "/admin/",
    "/admin/policies/policy/",
    "/admin/core/user/",
    "/admin/audit/auditevent/",
    "/staff/audit/",
    "/staff/audit/export.csv",
]


@pytest.fixture(params=["sales_role", "security_admin_role", "is_staff_only", "superuser_only"])
def staff_member_without_mfa(request, django_user_model):
    extra = {
        "sales_role": {"role": "sales"},
        "security_admin_role": {"role": "security_admin"},
        "is_staff_only": {"is_staff": True},
        "superuser_only": {"is_staff": True, "is_superuser": True},
    }[request.param]
    return _user(django_user_model, f"{request.param.replace('_', '-')}@kestrel.example", **extra)


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_without_mfa_are_sent_to_set_it_up_from_every_staff_page(published, staff_member_without_mfa, path):
    client = Client()
    client.force_login(staff_member_without_mfa)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    assert client.session["tc_after_mfa_setup"] == path


def test_a_post_to_a_staff_page_without_mfa_changes_nothing(published, staff_without_mfa):
    from trustcenter.policies.models import Policy

    client = Client()
    client.force_login(staff_without_mfa)
    policy = Policy.objects.get(slug="security-program")
    response = client.post(f"/admin/policies/policy/{policy.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    assert Policy.objects.filter(pk=policy.pk).exists()


def test_staff_without_mfa_still_read_public_pages_and_their_account(published, staff_without_mfa):
    client = Client()
    client.force_login(staff_without_mfa)
    assert client.get("/").status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200


@pytest.mark.parametrize("path", ["/admin/", "/staff/audit/"])
def test_customers_are_not_asked_for_mfa_but_do_not_get_in_either(published, prospect, path):
    client = Client()
    client.force_login(prospect)
    response = client.get(path)
    assert response["Location"] != reverse("mfa_activate_totp") if response.status_code == 302 else True
    assert response.status_code in (302, 403)


# Real transactions: allauth sends its MFA signals (and so the audit events) from on_commit hooks.
@pytest.mark.django_db(transaction=True)
def test_staff_set_up_totp_on_the_real_page_and_then_get_in(published, staff_without_mfa):
    client = Client()
    assert sign_in(client, staff_without_mfa).status_code == 302
    assert client.get("/admin/")["Location"] == reverse("mfa_activate_totp")
    # The sign-in a moment ago counts as recent: set-up opens without asking for the password again.
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "data:image" not in html and "<script" not in html
    secret = re.search(r'id="authenticator_secret" type="text" value="([A-Z2-7]+)"', html)[1]

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()

    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    codes_page = client.get(response["Location"]).content.decode()
    assert len(re.findall(r"<li><code>[0-9a-f]{8}</code></li>", codes_page)) == 10
    assert 'href="/admin/"' in codes_page  # back to the page they asked for
    assert client.get("/admin/").status_code == 200
    kinds = set(AuditEvent.objects.filter(actor=staff_without_mfa).values_list("kind", flat=True))
    assert {"mfa.activated", "account.signed_in"} <= kinds


def test_signing_in_with_mfa_asks_for_the_code_and_refuses_a_wrong_one(published, sales):
    client = Client()
    response = client.post(reverse("account_login"), {"login": sales.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/").wsgi_request.user.is_anonymous  # the password alone does not sign in
    wrong = "000000" if totp_code(sales.totp_secret) != "000000" else "111111"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200 and "Incorrect code" in response.content.decode()
    assert AuditEvent.objects.filter(kind="mfa.code_rejected", actor=sales).exists()
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(sales.totp_secret)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_totp_code_works_only_once(published, sales):
    # One code, current for long enough to be sent twice: two sign-ins each reading the clock
    # could straddle a 30-second step on a busy machine and get two different codes.
    code = totp_code(sales.totp_secret, valid_for=15)
    first, second = Client(), Client()
    first.post(reverse("account_login"), {"login": sales.email, "password": PASSWORD})
    assert first.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    second.post(reverse("account_login"), {"login": sales.email, "password": PASSWORD})
    assert second.post(reverse("mfa_authenticate"), {"code": code}).status_code == 200
    assert second.get("/").wsgi_request.user.is_anonymous


def test_a_recovery_code_signs_in_once(published, sales):
    code = recovery_code(sales)
    client = Client()
    client.post(reverse("account_login"), {"login": sales.email, "password": PASSWORD})
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    again = Client()
    again.post(reverse("account_login"), {"login": sales.email, "password": PASSWORD})
    assert again.post(reverse("mfa_authenticate"), {"code": code}).status_code == 200


def test_the_admin_login_form_cannot_skip_the_second_factor(published, sales):
    client = Client()
    response = client.post("/admin/login/", {"username": sales.email, "password": PASSWORD})
    assert response.status_code == 405
    assert client.get("/admin/").status_code == 302
    assert client.get("/").wsgi_request.user.is_anonymous


def test_staff_cannot_switch_mfa_off(published, sales):
    client = Client()
    sign_in(client, sales)
    reauthenticate(client)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert "Staff accounts must keep two-factor authentication" in response.content.decode()
    assert Authenticator.objects.filter(user=sales, type="totp").exists()


@pytest.mark.django_db(transaction=True)
def test_customers_can_turn_mfa_on_and_off_and_it_is_audited(published, prospect):
    secret = mfa_activate(prospect)
    client = Client()
    client.post(reverse("account_login"), {"login": prospect.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    reauthenticate(client)
    response = client.post(reverse("mfa_generate_recovery_codes"))
    assert response.status_code == 302
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=prospect).exists()
    kinds = list(AuditEvent.objects.filter(actor=prospect).order_by("seq").values_list("kind", flat=True))
    assert kinds[-3:] == ["mfa.recovery_codes_regenerated", "mfa.deactivated", "mfa.deactivated"]
    data = list(AuditEvent.objects.filter(kind="mfa.deactivated").order_by("seq").values_list("data", flat=True))
    assert data == [{"type": "totp"}, {"type": "recovery_codes"}]


def test_turning_mfa_off_needs_a_recent_password_confirmation(published, prospect, settings):
    import time_machine

    secret = mfa_activate(prospect)
    with time_machine.travel("2026-11-02 09:00Z", tick=False) as traveller:
        client = Client()
        client.post(reverse("account_login"), {"login": prospect.email, "password": PASSWORD})
        client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
        reauthenticate(client)
        traveller.shift(settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 60)
        response = client.post(reverse("mfa_deactivate_totp"))
        assert response.status_code == 302
        assert "reauthenticate" in response["Location"]
        assert Authenticator.objects.filter(user=prospect, type="totp").exists()


def test_a_security_admin_removes_a_lost_authenticator_without_ever_seeing_the_secret(published, security_admin, sales):
    client = Client()
    client.force_login(security_admin)
    totp = Authenticator.objects.get(user=sales, type="totp")
    page = client.get(f"/admin/mfa/authenticator/{totp.pk}/change/").content.decode()
    assert sales.email in page
    assert sales.totp_secret not in page and totp.data["secret"] not in page
    assert client.get("/admin/mfa/authenticator/add/").status_code == 403
    response = client.post(f"/admin/mfa/authenticator/{totp.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(pk=totp.pk).exists()
    event = AuditEvent.objects.get(kind="mfa.removed_by_staff")
    assert event.actor == security_admin and event.data == {"type": "totp", "owner": sales.email}
    # Their owner is sent to set up a new one before the next staff page.
    again = Client()
    again.force_login(sales)
    assert again.get("/admin/")["Location"] == reverse("mfa_activate_totp")


def test_a_stale_sign_in_still_asks_for_the_password_before_mfa_set_up(published, staff_without_mfa, settings):
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
    client = Client()
    with time_machine.travel(time.time(), tick=False) as clock:
        sign_in(client, staff_without_mfa)
        clock.shift(301)
        response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_changing_an_existing_authenticator_still_asks_for_the_password(published, sales):
    client = Client()
    sign_in(client, sales)
    response = client.get(reverse("mfa_generate_recovery_codes"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
