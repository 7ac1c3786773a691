"""Single sign-on through a real OpenID Connect provider that the tests start (tests/oidc_provider/).

The identity provider is django-oauth-toolkit in its own Django project, run with `runserver`
in a subprocess. The browser side (the provider's sign-in form) is driven with `requests`;
the Trust Center side with Django's test client, whose callback then fetches tokens from
the provider over real HTTP, as in production.
"""

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings as django_settings

from tests.conftest import PASSWORD, sign_in, totp_code
from tests.net import free_port
from trustcenter.access.models import Organization, OrganizationDomain
from trustcenter.audit.models import AuditEvent

IDP_PASSWORD = "idp-password-1234"  # noqa: S105 - test provider only
CLIENTS = {
    "company": ("trustcenter-company", "company-secret-" + "x" * 30),
    "acme": ("trustcenter-acme", "acme-secret-" + "y" * 30),
}
# Provider accounts: `amr` is what the provider will assert for a sign-in as that user.
IDP_USERS = [
    {"username": "ada-mfa", "email": "ada@kestrel.example", "amr": ["pwd", "mfa"]},
    {"username": "ada-pwd", "email": "ada@kestrel.example", "amr": ["pwd"]},
    {"username": "ada-acr", "email": "ada@kestrel.example", "amr": ["pwd"], "acr": "urn:kestrel:loa:mfa"},
    {"username": "nina-hwk", "email": "new@kestrel.example", "amr": ["pwd", "hwk"]},
    {"username": "wile", "email": "wile@acme.example", "amr": ["pwd"]},
    {"username": "newbie", "email": "newbie@acme.example", "amr": ["pwd"]},
]


@dataclass
class Provider:
    url: str
    process: subprocess.Popen


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    work = tmp_path_factory.mktemp("idp")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (work / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.oidc_provider.settings",
        OIDC_PROVIDER_DB=str(work / "idp.sqlite3"),
        OIDC_PROVIDER_KEY=str(work / "key.pem"),
    )
    root = django_settings.BASE_DIR

    def run(*args):
        result = subprocess.run([sys.executable, *args], cwd=root, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr

    run("-m", "django", "migrate", "--noinput", "-v", "0")
    config = {
        "users": [{**user, "password": IDP_PASSWORD} for user in IDP_USERS],
        "clients": [
            {
                "client_id": client_id,
                "client_secret": secret,
                "redirect_uris": [f"http://testserver/accounts/oidc/{provider_id}/login/callback/"],
            }
            for provider_id, (client_id, secret) in CLIENTS.items()
        ],
    }
    (work / "seed.json").write_text(json.dumps(config))
    run("-m", "tests.oidc_provider.seed", str(work / "seed.json"))
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{url}/o/.well-known/openid-configuration", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the test identity provider did not start")
        time.sleep(0.2)
    yield Provider(url=url, process=process)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def sso(idp, settings, db):
    """The Trust Center configured with the company's provider and Acme's, as SSO_* variables would."""
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": provider_id,
                    "name": f"{provider_id.title()} SSO",
                    "client_id": client_id,
                    "secret": secret,
                    "settings": {"server_url": f"{idp.url}/o"},
                }
                for provider_id, (client_id, secret) in CLIENTS.items()
            ],
            "OAUTH_PKCE_ENABLED": True,
        }
    }
    settings.SSO_STAFF_PROVIDER = "company"
    return idp


@pytest.fixture
def acme(sso):
    organization = Organization.objects.create(name="Acme", identity_provider="acme")
    OrganizationDomain.objects.create(organization=organization, domain="acme.example")
    return organization


def sso_sign_in(client, provider_id: str, username: str, *, next_url: str = "/"):
    """Start at the Trust Center, sign in at the identity provider, come back; return the callback's response."""
    response = client.post(f"/accounts/oidc/{provider_id}/login/?next={next_url}")
    assert response.status_code == 302, response.content[:500]
    authorize = response["Location"]
    assert "code_challenge=" in authorize  # PKCE
    browser = requests.Session()
    answer = browser.get(authorize, allow_redirects=False)
    assert answer.status_code == 302  # not signed in at the provider yet
    login_page = urljoin(authorize, answer.headers["Location"])
    form = browser.get(login_page).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
    next_at_idp = re.search(r'name="next" value="([^"]+)"', form)[1].replace("&amp;", "&")
    answer = browser.post(
        login_page,
        data={"username": username, "password": IDP_PASSWORD, "csrfmiddlewaretoken": token, "next": next_at_idp},
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:500]
    answer = browser.get(urljoin(login_page, answer.headers["Location"]), allow_redirects=False)
    callback = answer.headers["Location"]
    assert callback.startswith(f"http://testserver/accounts/oidc/{provider_id}/login/callback/?"), callback
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}")


def signed_in_as(client):
    response = client.get("/accounts/email/")
    return response.context["user"].email if response.status_code == 200 else None


# --- Staff through the company's provider -------------------------------------------------------


def test_staff_signed_in_by_the_company_provider_with_mfa_reach_the_review_queue(sso, client, security_admin):
    response = sso_sign_in(client, "company", "ada-mfa", next_url="/staff/access/")
    assert response.status_code == 302 and response["Location"] == "/staff/access/"
    assert client.get("/staff/access/").status_code == 200
    event = AuditEvent.objects.filter(kind="account.signed_in_sso").get()
    assert event.actor == security_admin
    assert event.data == {"provider": "company", "amr": ["pwd", "mfa"], "acr": "", "mfa_asserted": True}


def test_an_sso_sign_in_without_an_mfa_claim_still_asks_for_totp(sso, client, security_admin):
    response = sso_sign_in(client, "company", "ada-pwd", next_url="/staff/access/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/authenticate/")
    assert client.get("/staff/access/").status_code == 302  # not signed in yet
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(security_admin.totp_secret)})
    assert response.status_code == 302 and response["Location"] == "/staff/access/"
    assert client.get("/staff/access/").status_code == 200


def test_a_configured_acr_counts_as_mfa(sso, client, security_admin, settings):
    settings.SSO_MFA_ACR = ["urn:kestrel:loa:mfa"]
    response = sso_sign_in(client, "company", "ada-acr", next_url="/staff/access/")
    assert response["Location"] == "/staff/access/"


def test_staff_without_an_authenticator_app_but_an_mfa_claim_need_no_totp_set_up(sso, client, staff_without_mfa):
    assert sso_sign_in(client, "company", "nina-hwk", next_url="/staff/access/")["Location"] == "/staff/access/"
    assert client.get("/staff/access/").status_code == 200
    assert client.get("/staff/audit/").status_code == 200


def test_the_same_staff_signing_in_with_a_password_is_sent_to_set_up_totp(sso, client, staff_without_mfa):
    sign_in(client, staff_without_mfa)
    response = client.get("/staff/access/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/"


def test_with_sso_staff_only_a_staff_password_sign_in_is_sent_to_the_company_provider(
    sso, client, security_admin, settings
):
    settings.SSO_STAFF_ONLY = True
    response = client.post("/accounts/login/", {"login": security_admin.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/oidc/company/login/"
    assert signed_in_as(client) is None
    assert "signs you in through its identity provider" in client.get(response["Location"]).content.decode()
    assert sso_sign_in(client, "company", "ada-mfa", next_url="/staff/access/")["Location"] == "/staff/access/"


def test_with_sso_staff_only_customers_still_sign_in_with_a_password(sso, client, prospect, settings):
    settings.SSO_STAFF_ONLY = True
    assert sign_in(client, prospect)["Location"] == "/"
    assert signed_in_as(client) == prospect.email


def test_the_company_provider_cannot_sign_in_a_customer(sso, acme, client, django_user_model):
    from tests.conftest import _user

    _user(django_user_model, "wile@acme.example")
    response = sso_sign_in(client, "company", "wile")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert signed_in_as(client) is None
    refused = AuditEvent.objects.get(kind="account.sso_refused")
    assert refused.data["provider"] == "company" and refused.data["email"] == "wile@acme.example"


# --- Organizations with their own provider ----------------------------------------------------------


def test_a_customer_of_an_organization_with_its_own_provider_is_sent_there(acme, client, django_user_model):
    from tests.conftest import _user

    wile = _user(django_user_model, "wile@acme.example")
    response = client.post("/accounts/login/", {"login": wile.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/oidc/acme/login/"
    assert signed_in_as(client) is None
    assert sso_sign_in(client, "acme", "wile")["Location"] == "/"
    assert signed_in_as(client) == "wile@acme.example"


def test_an_organization_provider_creates_accounts_only_for_its_own_domains(acme, client, django_user_model):
    assert sso_sign_in(client, "acme", "newbie")["Location"] == "/"
    newbie = django_user_model.objects.get(email="newbie@acme.example")
    assert newbie.emailaddress_set.get().verified
    assert signed_in_as(client) == newbie.email


def test_an_organization_provider_cannot_sign_in_staff(acme, client, security_admin):
    response = sso_sign_in(client, "acme", "ada-mfa")
    assert response["Location"] == "/accounts/login/"
    assert signed_in_as(client) is None


def test_an_organization_only_accepts_a_configured_provider(acme, sso):
    from django.core.exceptions import ValidationError

    acme.identity_provider = "elsewhere"
    with pytest.raises(ValidationError, match="SSO_PROVIDERS"):
        acme.full_clean()
    acme.identity_provider = "company"  # the staff provider is not an organization's
    with pytest.raises(ValidationError):
        acme.full_clean()
