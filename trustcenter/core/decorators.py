"""The one decorator for staff views."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from trustcenter.lib.mfa import mfa_satisfied


def staff_required(view):
    """Staff (`User.has_staff_role`) only, with MFA on: anonymous visitors sign in, others get 403.

    Staff without MFA are sent to set it up (StaffMfaRequiredMiddleware does the same for
    every path under STAFF_PATH_PREFIXES; this also covers staff views mounted elsewhere).
    """

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.has_staff_role:
            raise PermissionDenied(_("Only sales and security admins can open this page."))
        if not mfa_satisfied(request.user):
            messages.warning(
                request, _("Staff pages need two-factor authentication. Set up an authenticator app to continue.")
            )
            return redirect("mfa_activate_totp")
        return view(request, *args, **kwargs)

    return wrapper
