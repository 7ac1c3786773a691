"""`manage.py demo_setup`: demo users with roles and confirmed addresses, ready to sign in."""

import io

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse


def run() -> str:
    out = io.StringIO()
    call_command("demo_setup", stdout=out)
    return out.getvalue()


def test_demo_users_get_roles_confirmed_addresses_and_the_mfa_note(published):
    output = run()
    run()  # idempotent
    users = {u.email: u for u in get_user_model().objects.all()}
    assert len(users) == 4
    assert users["admin@kestrel.example"].is_security_admin and users["admin@kestrel.example"].is_superuser
    assert users["sales@kestrel.example"].role == "sales" and users["sales@kestrel.example"].is_sales_or_admin
    assert not users["customer@northwind.example"].is_sales_or_admin
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 4
    assert "two-factor authentication" in output and "trustcenter-demo" in output


def test_a_demo_customer_signs_in_and_demo_staff_are_sent_to_mfa_setup(published):
    run()
    customer = Client()
    response = customer.post(
        reverse("account_login"), {"login": "customer@northwind.example", "password": "trustcenter-demo"}
    )
    assert response.status_code == 302
    staff = Client()
    staff.post(reverse("account_login"), {"login": "sales@kestrel.example", "password": "trustcenter-demo"})
    response = staff.get("/admin/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
