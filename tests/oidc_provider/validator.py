from oauth2_provider.oauth2_validators import OAuth2Validator


class Validator(OAuth2Validator):
    """Adds the email and the authentication methods to the ID token and userinfo.

    Each test user's `first_name` holds the `amr` values the provider asserts for them
    (space-separated, e.g. "pwd mfa"), and `last_name` an `acr` value, so the tests choose
    what a sign-in "used" without a second factor really being typed at the provider.
    """

    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "amr": "openid", "acr": "openid"}

    def get_additional_claims(self, request):
        user = request.user
        claims = {"email": user.email, "email_verified": True, "name": user.username, "amr": user.first_name.split()}
        if user.last_name:
            claims["acr"] = user.last_name
        return claims
