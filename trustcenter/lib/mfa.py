"""Whether a user's MFA obligations are met; for rules that grant staff privileges outside staff pages."""

from allauth.mfa.utils import is_mfa_enabled

# Set on request.user by SsoMfaMiddleware when this session's sign-in came from an identity
# provider that asserted MFA (trustcenter.accounts.sso).
SSO_MFA_ATTRIBUTE = "mfa_by_sso"


def has_mfa(user) -> bool:
    """An authenticator app (TOTP), or a sign-in whose identity provider asserted MFA."""
    return getattr(user, SSO_MFA_ATTRIBUTE, False) or is_mfa_enabled(user, types=["totp"])


def mfa_satisfied(user) -> bool:
    """True for users who need no MFA (customers) and for staff with MFA (`has_mfa`).

    Staff pages are guarded by StaffMfaRequiredMiddleware; a rule that lets staff see more
    elsewhere (NDA policies, gated documents) should also ask this, so a staff account
    without MFA gets no more than a customer would.
    """
    if not user.is_authenticated:
        return False
    if not user.needs_mfa:
        return True
    return has_mfa(user)


def is_staff_ready(user) -> bool:
    """A staff role (`User.has_staff_role`) with MFA satisfied: what staff pages and reading everything need."""
    return bool(user is not None and user.is_authenticated and user.has_staff_role and mfa_satisfied(user))
