"""allauth customised through its adapters (never by copying its views)."""

import datetime
import secrets
import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.hashers import make_password
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from trustcenter.accounts import lockout, sso
from trustcenter.audit.services import audit_record
from trustcenter.core.company import load_company
from trustcenter.lib.ratelimit import client_address

# When this session last signed in with a password (seconds since the epoch).
SESSION_SIGNED_IN_AT = "tc_signed_in_at"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return settings.ACCOUNT_ALLOW_SIGNUP

    def login(self, request, user):
        super().login(request, user)
        request.session[SESSION_SIGNED_IN_AT] = time.time()

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """A sign-in moments ago counts as recent authentication for setting up a first authenticator.

        Staff are sent to TOTP set-up straight after signing in; asking for the password again there
        proves nothing new. This holds only while every authenticator of the account was set up after
        that sign-in (the set-up and the recovery codes it shows): changing or removing one that existed
        before still asks, as does everything once ACCOUNT_REAUTHENTICATION_TIMEOUT has passed.
        """
        required = super().is_reauthentication_required(app=app, **kwargs)
        request = self.request
        if not required or app != "allauth.mfa" or request is None or not request.user.is_authenticated:
            return required
        signed_in_at = request.session.get(SESSION_SIGNED_IN_AT)
        if signed_in_at is None or time.time() - signed_in_at >= settings.ACCOUNT_REAUTHENTICATION_TIMEOUT:
            return True
        since = datetime.datetime.fromtimestamp(signed_in_at, tz=datetime.UTC)
        return Authenticator.objects.filter(user=request.user, created_at__lt=since).exists()

    # Sign-up gives no signal: with ACCOUNT_PREVENT_ENUMERATION allauth answers a known address
    # with the same page and mails its owner instead of creating an account. Creating one hashes
    # the password, which takes far longer than sending a mail, so the known-address path hashes
    # a throwaway password of the same cost: both paths do the same work.

    def send_account_already_exists_mail(self, email):
        make_password(secrets.token_urlsafe(16))
        super().send_account_already_exists_mail(email)

    # Failed sign-ins slow an account down and mail its owner an unlock link; they never lock
    # the owner out (trustcenter.accounts.lockout). allauth's own `login_failed` limit is per IP.

    def pre_authenticate(self, request, **credentials):
        super().pre_authenticate(request, **credentials)
        if lockout.wait_seconds(request, _login_of(credentials)):
            raise self.validation_error("too_many_login_attempts")

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None:
            lockout.failures_clear(_login_of(credentials))
        return user

    def authentication_failed(self, request, **credentials):
        lockout.failure_record(request, _login_of(credentials))

    def get_client_ip(self, request):
        """The same client address as our own rate limits and audit log (TRUSTED_PROXY_COUNT)."""
        address = client_address(request)
        if address is None:
            return super().get_client_ip(request)
        return str(address)

    def get_login_stages(self):
        """allauth's stages, with its MFA step replaced by one that an SSO sign-in with MFA skips."""
        return [
            "trustcenter.accounts.stages.MfaUnlessSsoAssertedStage"
            if path == "allauth.mfa.stages.AuthenticateStage"
            else path
            for path in super().get_login_stages()
        ]

    def pre_login(self, request, user, **kwargs):
        """Accounts that must use an identity provider are sent there instead of being signed in."""
        response = super().pre_login(request, user, **kwargs)
        if response is not None:
            return response
        required = sso.required_provider(user)
        sociallogin = sso.sociallogin_of(kwargs.get("signal_kwargs"))
        used = sociallogin.account.provider if sociallogin is not None else ""
        if required and used != required:
            messages.info(request, gettext("Your organization signs you in through its identity provider."))
            return redirect(reverse("openid_connect_login", kwargs={"provider_id": required}))
        return None

    def format_email_subject(self, subject):
        return f"[{load_company().name}] {subject}"

    def send_mail(self, template_prefix, email, context):
        """Mails name the company and the trust center's address (SITE_URL), not the request's host."""
        context = {**context, "company": load_company(), "site_url": settings.SITE_URL}
        super().send_mail(template_prefix, email, context)


def _login_of(credentials) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")[:254]


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Staff accounts must keep two-factor authentication. To move to a new phone, a security admin "
            "can remove the old authenticator in the admin; you then set up the new one."
        ),
    }

    def can_delete_authenticator(self, authenticator):
        """Staff cannot switch MFA off themselves: staff pages require it."""
        return not authenticator.user.needs_mfa

    def get_totp_issuer(self):
        """Authenticator apps list the code under the company's trust center, not a host name."""
        return f"{load_company().name} Trust Center"

    def build_totp_svg(self, url):
        """The QR code as inline SVG markup (no XML declaration), so the CSP needs no `data:` images."""
        svg = super().build_totp_svg(url)
        if svg.startswith("<?xml"):
            svg = svg[svg.index("?>") + 2 :].lstrip()
        return svg


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """OpenID Connect sign-in: a provider signs in only the accounts it speaks for (trustcenter.accounts.sso)."""

    def pre_social_login(self, request, sociallogin):
        email = (sociallogin.user.email or "").strip().lower()
        existing = sociallogin.user if sociallogin.is_existing else None
        verified = any(address.verified for address in sociallogin.email_addresses if address.email.lower() == email)
        provider = sociallogin.account.provider
        if (
            not email
            or (existing is None and not verified)
            or not sso.may_speak_for(provider, email=email, user=existing)
        ):
            audit_record(
                kind="account.sso_refused",
                request=request,
                subject=f"email:{email[:240]}",
                data={"provider": provider, "email": email, "existing_account": existing is not None},
            )
            messages.error(
                request,
                gettext(
                    "This identity provider cannot sign in that account. Sign in with your email address, or "
                    "ask your administrator which provider to use."
                ),
            )
            raise ImmediateHttpResponse(redirect(reverse("account_login")))

    def is_open_for_signup(self, request, sociallogin):
        """New accounts only from an organization's own provider, for its own domains (checked above)."""
        return settings.ACCOUNT_ALLOW_SIGNUP and sociallogin.account.provider != settings.SSO_STAFF_PROVIDER
