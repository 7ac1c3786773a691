"""Account events become audit events; a changed or reset password ends the other sessions.

Connected in AccountsConfig.ready(). Django's own auth signals are used for sign-in,
sign-out and failed sign-in, so every way in (allauth, the test client, anything else that
calls `login()`) is recorded the same way; allauth's signals cover the rest.
"""

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals

from trustcenter.accounts import sso
from trustcenter.audit.services import audit_record
from trustcenter.core.services import user_sessions_end


def _session_key(request):
    session = getattr(request, "session", None)
    return getattr(session, "session_key", None)


def sso_noted(sender, request, user, sociallogin=None, **kwargs):
    """Every allauth sign-in records whether an identity provider vouched for a second factor."""
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


def _email(kwargs) -> dict:
    return {"email": kwargs["email_address"].email}


def _email_change(kwargs) -> dict:
    before = kwargs["from_email_address"]
    return {"from": before.email if before else "", "to": kwargs["to_email_address"].email}


def _authenticator(kwargs) -> dict:
    return {"type": kwargs["authenticator"].type}


def _mfa_reset(kwargs) -> str:
    return "mfa.recovery_codes_regenerated" if kwargs["authenticator"].type == "recovery_codes" else "mfa.reset"


# Events about one account, recorded the same way: the account is the actor and the subject.
# signal, audit kind (or a function of the signal's arguments that names it), data to keep.
USER_EVENTS = [
    (auth_signals.user_logged_in, "account.signed_in", None),
    (auth_signals.user_logged_out, "account.signed_out", None),
    (account_signals.user_signed_up, "account.signed_up", None),
    (account_signals.email_confirmed, "account.email_confirmed", _email),
    (account_signals.email_changed, "account.email_changed", _email_change),
    (account_signals.email_added, "account.email_added", _email),
    (account_signals.email_removed, "account.email_removed", _email),
    (mfa_signals.authenticator_added, "mfa.activated", _authenticator),
    (mfa_signals.authenticator_removed, "mfa.deactivated", _authenticator),
    (mfa_signals.authenticator_reset, _mfa_reset, _authenticator),
    (mfa_signals.authentication_failed, "mfa.code_rejected", None),
]


def user_event_receiver(kind, data):
    """A receiver that records `kind` for the account the signal is about."""

    def receive(sender, request=None, **kwargs):
        user = kwargs["user"] if "user" in kwargs else kwargs["email_address"].user
        if user is None:  # signing out a session that was not signed in
            return
        audit_record(
            kind=kind(kwargs) if callable(kind) else kind,
            actor=user,
            request=request,
            subject=f"user:{user.pk}",
            data=data(kwargs) if data else None,
        )

    return receive


# Module-level, so the signals' weak references keep them alive.
_RECEIVERS = [
    (signal, user_event_receiver(kind, data), f"user_event.{index}")
    for index, (signal, kind, data) in enumerate(USER_EVENTS)
]
_RECEIVERS += [
    (account_signals.user_logged_in, sso_noted, "sso_noted"),
    (auth_signals.user_login_failed, sign_in_failed, "sign_in_failed"),
    (account_signals.password_changed, password_changed, "password_changed"),
    (account_signals.password_set, password_changed, "password_set"),
    (account_signals.password_reset, password_reset, "password_reset"),
]


def connect():
    for signal, receiver, name in _RECEIVERS:
        signal.connect(receiver, dispatch_uid=f"trustcenter.accounts.{name}")
