"""allauth customised through its adapters (never by copying its views)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from trustcenter.core.company import load_company
from trustcenter.lib.ratelimit import client_address


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return settings.ACCOUNT_ALLOW_SIGNUP

    def get_client_ip(self, request):
        """The same client address as our own rate limits and audit log (TRUSTED_PROXY_COUNT)."""
        address = client_address(request)
        if address is None:
            return super().get_client_ip(request)
        return str(address)

    def format_email_subject(self, subject):
        return f"[{load_company().name}] {subject}"

    def send_mail(self, template_prefix, email, context):
        """Mails name the company and the trust center's address (SITE_URL), not the request's host."""
        context = {**context, "company": load_company(), "site_url": settings.SITE_URL}
        super().send_mail(template_prefix, email, context)


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
