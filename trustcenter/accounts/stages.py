"""allauth login stages of our own (listed by AccountAdapter.get_login_stages)."""

from allauth.mfa.stages import AuthenticateStage

from trustcenter.accounts import sso


class MfaUnlessSsoAssertedStage(AuthenticateStage):
    """allauth's TOTP step, skipped only when the identity provider asserted MFA for this sign-in."""

    def handle(self):
        sociallogin = sso.sociallogin_of(self.login.signal_kwargs)
        if sociallogin is not None and sso.asserts_mfa(sso.id_token_claims(sociallogin)):
            return None, True
        return super().handle()
