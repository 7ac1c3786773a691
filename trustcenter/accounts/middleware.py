"""Staff must have MFA before any staff page opens."""

from functools import partial

from django.conf import settings
from django.contrib import auth, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from trustcenter.accounts.sso import SESSION_SSO_MFA
from trustcenter.lib.mfa import SSO_MFA_ATTRIBUTE, mfa_satisfied
from trustcenter.lib.redirects import safe_next

SESSION_NEXT = "tc_after_mfa_setup"


def is_staff_path(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in settings.STAFF_PATH_PREFIXES)


class StaffMfaRequiredMiddleware:
    """Send staff without an authenticator app to set one up, from every page under STAFF_PATH_PREFIXES.

    "Staff" is `User.needs_mfa`: the sales and security-admin roles and Django's is_staff /
    is_superuser flags. Runs after AuthenticationMiddleware and SessionLifetimeMiddleware,
    so an expired session is signed out before this looks at the user. The page they
    wanted is remembered and offered again once MFA is active.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        # The path is checked first: looking at the user loads the session, which public pages avoid.
        if is_staff_path(request.path_info) and user is not None and user.is_authenticated and not mfa_satisfied(user):
            if request.method == "GET" and safe_next(request, request.get_full_path(), default=""):
                request.session[SESSION_NEXT] = request.get_full_path()
            messages.warning(
                request,
                _("Staff pages need two-factor authentication. Set up an authenticator app to continue."),
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


def _user_with_sso_mfa(request):
    user = auth.get_user(request)
    if user.is_authenticated and request.session.get(SESSION_SSO_MFA):
        setattr(user, SSO_MFA_ATTRIBUTE, True)
    return user


class SsoMfaMiddleware:
    """Marks request.user when this session's sign-in came with MFA asserted by the identity provider.

    Still lazy, like AuthenticationMiddleware's user: a page that never looks at the user never
    loads the session (public pages stay cacheable).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.user = SimpleLazyObject(partial(_user_with_sso_mfa, request))
        return self.get_response(request)
