"""Bearer-token authentication for the staff API.

A token works only while it is unexpired and unrevoked, has the scope the endpoint needs,
and its owner could still open the same staff pages: an active sales or security admin with
two-factor authentication. Every use is rate-limited per token, recorded as the token's last
use, and written to the audit log.
"""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer

from trustcenter.api.models import ApiToken, token_digest
from trustcenter.api.services import is_api_user
from trustcenter.audit.services import audit_record
from trustcenter.lib.ratelimit import RateLimited, hit, rate_for


class TokenAuth(HttpBearer):
    openapi_description = "A personal API token, created on the account page: `Authorization: Bearer tc_...`"

    def __init__(self, scope: str):
        super().__init__()
        self.scope = scope

    def authenticate(self, request, token: str):
        api_token = ApiToken.objects.select_related("user").filter(token_hash=token_digest(token)).first()
        if api_token is None:
            return None  # 401: not a token we know
        now = timezone.now()
        if api_token.revoked_at is not None:
            raise HttpError(401, _("This token was revoked. Create a new one on your account page."))
        if api_token.expires_at <= now:
            raise HttpError(
                401,
                _("This token expired on %(date)s. Create a new one on your account page.")
                % {"date": api_token.expires_at.strftime("%Y-%m-%d")},
            )
        user = api_token.user
        if not is_api_user(user):
            raise HttpError(
                403,
                _("The token's owner cannot use the staff pages now (a staff role and two-factor authentication "
                  "are needed), so the token cannot either."),
            )  # fmt: skip
        if not api_token.has_scope(self.scope):
            raise HttpError(403, _("This token does not have the “%(scope)s” scope.") % {"scope": self.scope})
        if settings.RATELIMIT_ENABLED:
            decision = hit(scope="api_token", identity=f"token:{api_token.pk}", rate=rate_for("api_token"))
            if not decision.allowed:
                raise RateLimited("api_token", decision.retry_after)
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = user  # services and the audit log see the token's owner as the actor
        request.api_token = api_token
        audit_record(
            kind="api.token_used",
            actor=user,
            request=request,
            subject=f"api_token:{api_token.pk}",
            data={"token": api_token.name, "method": request.method, "path": request.path},
        )
        return api_token
