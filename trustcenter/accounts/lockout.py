"""Failed sign-ins slow an account down; they never lock its owner out.

A per-account hard limit lets anyone who knows an address lock its owner out (five wrong
passwords from rotating IPs, and the right one is refused too). Instead:

- Per client IP, allauth's `login_failed` limit (ACCOUNT_RATE_LIMITS) refuses a guesser
  outright; that costs only the guesser's own address.
- Per account, after ACCOUNT_LOCKOUT_THRESHOLD failures each further failure makes the
  account wait longer before the next attempt is looked at (doubling from
  ACCOUNT_LOCKOUT_BASE_DELAY up to ACCOUNT_LOCKOUT_MAX_DELAY seconds), which makes
  guessing from many addresses slow.
- When an account first crosses the threshold, its owner is emailed an unlock link and
  the security admins are told. The link puts a signed cookie in the owner's browser that
  skips the account's delay (not the per-IP limit), so a stranger cannot keep the owner
  out. A successful sign-in or password reset clears the count.

Counts live in the default cache (Redis in production, shared by every worker).
"""

import hashlib
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from trustcenter.audit.services import audit_record

COOKIE = "tc_unlock"
SALT = "trustcenter.accounts.unlock"
_KEY = "lockout:{}"


def account_key(email: str) -> str:
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]


def _state(key: str) -> dict:
    return cache.get(_KEY.format(key)) or {"failures": 0, "until": 0.0}


def _delay(failures: int) -> float:
    over = failures - settings.ACCOUNT_LOCKOUT_THRESHOLD
    if over < 0:
        return 0.0
    return float(min(settings.ACCOUNT_LOCKOUT_BASE_DELAY * 2**over, settings.ACCOUNT_LOCKOUT_MAX_DELAY))


def unlocked_here(request, email: str) -> bool:
    """This browser holds the owner's unlock cookie for `email`."""
    value = request.get_signed_cookie(COOKIE, default=None, salt=SALT, max_age=settings.ACCOUNT_LOCKOUT_UNLOCK_SECONDS)
    return value is not None and value == account_key(email)


def wait_seconds(request, email: str) -> int:
    """Seconds this account must still wait before an attempt from this browser is looked at (0: go ahead)."""
    if not email or unlocked_here(request, email):
        return 0
    return max(0, int(_state(account_key(email))["until"] - time.time() + 0.999))


def failure_record(request, email: str) -> None:
    """Count a failed sign-in for `email`; on first crossing the threshold, mail the owner and the security admins."""
    if not email or unlocked_here(request, email):
        return
    key = account_key(email)
    state = _state(key)
    state["failures"] += 1
    state["until"] = time.time() + _delay(state["failures"])
    cache.set(_KEY.format(key), state, timeout=settings.ACCOUNT_LOCKOUT_WINDOW)
    if state["failures"] == settings.ACCOUNT_LOCKOUT_THRESHOLD:
        _notify(request, email)


def failures_clear(email: str) -> None:
    cache.delete(_KEY.format(account_key(email)))


def unlock_token(email: str) -> str:
    return signing.dumps(account_key(email), salt=SALT)


def unlock_key_from(token: str) -> str | None:
    try:
        return signing.loads(token, salt=SALT, max_age=settings.ACCOUNT_LOCKOUT_UNLOCK_SECONDS)
    except signing.BadSignature:
        return None


def _notify(request, email: str) -> None:
    User = get_user_model()
    owner = User.objects.filter(email__iexact=email, is_active=True).first()
    audit_record(
        kind="account.sign_in_slowed",
        request=request,
        subject=f"email:{email[:254]}",
        data={"email": email[:254], "failures": settings.ACCOUNT_LOCKOUT_THRESHOLD, "known": owner is not None},
    )
    if owner is None:
        return  # nobody to tell; the response is the same either way
    link = settings.SITE_URL + reverse("accounts_unlock", args=[unlock_token(owner.email)])
    context = {"user": owner, "link": link, "site_url": settings.SITE_URL}
    send_mail(
        _("Sign-in attempts on your account"),
        render_to_string("account/email/unlock.txt", context),
        None,
        [owner.email],
    )
    admins = list(User.objects.filter(is_active=True, role="security_admin").values_list("email", flat=True))
    if admins:
        send_mail(
            _("Repeated failed sign-ins for %(email)s") % {"email": owner.email},
            render_to_string("account/email/lockout_staff.txt", {**context, "staff": owner.has_staff_role}),
            None,
            admins,
        )
