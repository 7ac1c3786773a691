"""Staff must have MFA before any staff page opens."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from trustcenter.accounts.mfa import mfa_satisfied
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
