"""Single sign-on rules: which identity provider an account must use, and when an SSO sign-in counts as MFA.

allauth's OpenID Connect provider does the protocol (discovery, PKCE, the token exchange, the
ID token's issuer and audience); this module only decides. Providers are named by their
allauth provider id (`SSO_PROVIDERS`); the company's is `SSO_STAFF_PROVIDER`, an
organization's is `Organization.identity_provider`.
"""

from django.conf import settings

from trustcenter.access.models import Organization, OrganizationDomain, organization_for

# Set in the session at every sign-in: whether this sign-in's provider asserted MFA.
SESSION_SSO_MFA = "tc_sso_mfa"


def id_token_claims(sociallogin) -> dict:
    """The verified ID token's claims (allauth checked issuer, audience and expiry)."""
    if sociallogin is None:
        return {}
    claims = (sociallogin.account.extra_data or {}).get("id_token")
    return claims if isinstance(claims, dict) else {}


def amr_of(claims: dict) -> list[str]:
    """The authentication methods the provider reports (RFC 8176), as a list of strings."""
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = amr.split()
    return [str(method) for method in amr if isinstance(method, str | int)][:20]


def asserts_mfa(claims: dict) -> bool:
    """True when the provider says the person used more than a password (`amr` or `acr`)."""
    if any(method in settings.SSO_MFA_AMR for method in amr_of(claims)):
        return True
    return bool(settings.SSO_MFA_ACR) and str(claims.get("acr", "")) in settings.SSO_MFA_ACR


def sociallogin_of(login_kwargs: dict | None):
    """The SocialLogin behind an allauth login, or None for a password (or code) sign-in."""
    return (login_kwargs or {}).get("sociallogin")


def organization_of_email(email: str) -> Organization | None:
    domain = email.rpartition("@")[2].strip().lower()
    if not domain:
        return None
    match = OrganizationDomain.objects.select_related("organization").filter(domain=domain).first()
    return match.organization if match else None


def required_provider(user) -> str:
    """The provider `user` must sign in through, or "" when a password (plus TOTP) will do."""
    if user.needs_mfa:
        return settings.SSO_STAFF_PROVIDER if settings.SSO_STAFF_ONLY else ""
    # The organization the account is bound to, so changing email does not escape its provider.
    organization = organization_for(user) or organization_of_email(user.email or "")
    return organization.identity_provider if organization is not None else ""


def may_speak_for(provider_id: str, *, email: str, user) -> bool:
    """Whether `provider_id` may sign in the account with `email` (`user`: the existing account, or None).

    The company's provider signs in staff accounts only; an organization's provider only
    addresses at that organization's domains. Any other provider signs in nobody: an identity
    provider is trusted for the people it manages, never for an address it merely asserts.
    """
    if provider_id and provider_id == settings.SSO_STAFF_PROVIDER:
        return user is not None and user.needs_mfa
    organization = organization_of_email(email)
    if organization is None or organization.identity_provider != provider_id:
        return False
    return user is None or not user.needs_mfa
