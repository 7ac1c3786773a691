"""Account events become audit events; a changed or reset password ends the other sessions.

Connected in AccountsConfig.ready(). Django's own auth signals are used for sign-in,
sign-out and failed sign-in, so every way in (allauth, the test client, anything else that
calls `login()`) is recorded the same way; allauth's signals cover the rest.
"""

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals

from trustcenter.audit.services import audit_record
from trustcenter.core.services import user_sessions_end


def _session_key(request):
    session = getattr(request, "session", None)
    return getattr(session, "session_key", None)


def signed_in(sender, request, user, **kwargs):
    audit_record(kind="account.signed_in", actor=user, request=request, subject=f"user:{user.pk}")


def sso_noted(sender, request, user, sociallogin=None, **kwargs):
    """Every allauth sign-in records whether an identity provider vouched for a second factor."""
    from trustcenter.accounts import sso

    claims = sso.id_token_claims(sociallogin)
    asserted = sociallogin is not None and sso.asserts_mfa(claims)
    request.session[sso.SESSION_SSO_MFA] = asserted
    if sociallogin is not None:
        audit_record(
            kind="account.signed_in_sso",
            actor=user,
            request=request,
            subject=f"user:{user.pk}",
            data={
                "provider": sociallogin.account.provider,
                "amr": sso.amr_of(claims),
                "acr": str(claims.get("acr", ""))[:100],
                "mfa_asserted": asserted,
            },
        )


def sign_in_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password with asterisks; the address tried is kept, as
    # it is what a brute-force investigation needs.
    tried = str(credentials.get("email") or credentials.get("username") or "")[:254]
    audit_record(kind="account.sign_in_failed", request=request, subject=f"email:{tried}", data={"email": tried})


def signed_out(sender, request, user, **kwargs):
    if user is None:
        return
    audit_record(kind="account.signed_out", actor=user, request=request, subject=f"user:{user.pk}")


def signed_up(sender, request, user, **kwargs):
    audit_record(kind="account.signed_up", actor=user, request=request, subject=f"user:{user.pk}")


def email_confirmed(sender, request, email_address, **kwargs):
    audit_record(
        kind="account.email_confirmed",
        actor=email_address.user,
        request=request,
        subject=f"user:{email_address.user_id}",
        data={"email": email_address.email},
    )


def email_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    audit_record(
        kind="account.email_changed",
        actor=user,
        request=request,
        subject=f"user:{user.pk}",
        data={
            "from": from_email_address.email if from_email_address else "",
            "to": to_email_address.email,
        },
    )


def email_added(sender, request, user, email_address, **kwargs):
    audit_record(
        kind="account.email_added",
        actor=user,
        request=request,
        subject=f"user:{user.pk}",
        data={"email": email_address.email},
    )


def email_removed(sender, request, user, email_address, **kwargs):
    audit_record(
        kind="account.email_removed",
        actor=user,
        request=request,
        subject=f"user:{user.pk}",
        data={"email": email_address.email},
    )


def password_changed(sender, request, user, **kwargs):
    """The user changed (or first set) their password while signed in: every other session ends."""
    ended = user_sessions_end(user_id=user.pk, except_key=_session_key(request))
    audit_record(
        kind="account.password_changed",
        actor=user,
        request=request,
        subject=f"user:{user.pk}",
        data={"other_sessions_ended": ended},
    )


def password_reset(sender, request, user, **kwargs):
    """A password was reset from an emailed link: whoever held a session before is out."""
    ended = user_sessions_end(user_id=user.pk, except_key=_session_key(request))
    audit_record(
        kind="account.password_reset",
        actor=user,
        request=request,
        subject=f"user:{user.pk}",
        data={"sessions_ended": ended},
    )


def mfa_authenticator_added(sender, request, user, authenticator, **kwargs):
    audit_record(
        kind="mfa.activated",
        actor=user,
        request=request,
        subject=f"user:{user.pk}",
        data={"type": authenticator.type},
    )


def mfa_authenticator_removed(sender, request, user, authenticator, **kwargs):
    audit_record(
        kind="mfa.deactivated",
        actor=user,
        request=request,
        subject=f"user:{user.pk}",
        data={"type": authenticator.type},
    )


def mfa_authenticator_reset(sender, request, user, authenticator, **kwargs):
    kind = "mfa.recovery_codes_regenerated" if authenticator.type == "recovery_codes" else "mfa.reset"
    audit_record(kind=kind, actor=user, request=request, subject=f"user:{user.pk}", data={"type": authenticator.type})


def mfa_authentication_failed(sender, request, user, **kwargs):
    audit_record(kind="mfa.code_rejected", actor=user, request=request, subject=f"user:{user.pk}")


_RECEIVERS = [
    (auth_signals.user_logged_in, signed_in),
    (account_signals.user_logged_in, sso_noted),
    (auth_signals.user_login_failed, sign_in_failed),
    (auth_signals.user_logged_out, signed_out),
    (account_signals.user_signed_up, signed_up),
    (account_signals.email_confirmed, email_confirmed),
    (account_signals.email_changed, email_changed),
    (account_signals.email_added, email_added),
    (account_signals.email_removed, email_removed),
    (account_signals.password_changed, password_changed),
    (account_signals.password_set, password_changed),
    (account_signals.password_reset, password_reset),
    (mfa_signals.authenticator_added, mfa_authenticator_added),
    (mfa_signals.authenticator_removed, mfa_authenticator_removed),
    (mfa_signals.authenticator_reset, mfa_authenticator_reset),
    (mfa_signals.authentication_failed, mfa_authentication_failed),
]


def connect():
    for signal, receiver in _RECEIVERS:
        signal.connect(receiver, dispatch_uid=f"trustcenter.accounts.{receiver.__name__}")
