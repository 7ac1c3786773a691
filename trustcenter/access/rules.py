"""The one access decision: may this user read this document or NDA policy version?

Every view, list and export asks `decide()`; nothing else looks at visibility, NDAs,
organizations or grants. A refusal carries the next step a person can take (a message,
a button label and a URL), so every "no" says what to do.

The rule (DESIGN.md): public material is for everyone. Anything else needs all of: a
signed-in, active account with a verified email address; an organization that is not
blocked; the current NDA signed (or the organization's NDA on file, or an invitation
that waived it); and an unexpired, unrevoked grant. Staff (sales and security admins)
read everything once their two-factor authentication is on.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from trustcenter.access.models import AccessGrant, AccessRequest, NdaSignature, NdaVersion, RequestStatus
from trustcenter.core.company import load_company

# Reasons, for code and tests; people read the messages.
PUBLIC = "public"
STAFF = "staff"
GRANTED = "granted"
SIGN_IN = "sign_in"
INACTIVE = "inactive"
MFA_REQUIRED = "mfa_required"
VERIFY_EMAIL = "verify_email"
BLOCKED = "blocked"
NO_NDA = "no_nda"
SIGN_NDA = "sign_nda"
NDA_CHANGED = "nda_changed"
REQUEST_ACCESS = "request_access"
PENDING = "pending"
DENIED = "denied"
EXPIRED = "expired"
REVOKED = "revoked"


@dataclass(frozen=True)
class NextStep:
    message: str
    label: str = ""
    url: str = ""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    next_step: NextStep | None = None
    grant: AccessGrant | None = field(default=None, compare=False)


def is_staff_reader(user) -> bool:
    return bool(user.is_staff or user.is_superuser or getattr(user, "is_sales_or_admin", False))


def email_verified(user) -> bool:
    """The account's own address is verified (allauth's confirmation link was followed)."""
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def mfa_enabled(user) -> bool:
    from trustcenter.accounts.mfa import has_mfa

    return has_mfa(user)


def _date(value) -> str:
    return date_format(timezone.localtime(value) if hasattr(value, "tzinfo") else value, "DATE_FORMAT")


@dataclass
class Standing:
    """Everything the rule needs to know about one user, read once for many objects."""

    user: object
    refusal: Decision | None = None  # refuses everything gated, before grants are looked at
    grant: AccessGrant | None = None
    staff: bool = False


def _with_next(url: str, next_url: str | None) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def standing(user, *, next_url: str | None = None) -> Standing:
    """Work out where `user` stands, once, so a list of documents costs a few queries."""
    from trustcenter.access.services import organization_for

    contact = load_company().security_email
    if user is None or not user.is_authenticated:
        return Standing(
            user,
            Decision(
                False,
                SIGN_IN,
                NextStep(
                    _("Sign in or create an account to request access."),
                    _("Sign in"),
                    _with_next(resolve_url(settings.LOGIN_URL), next_url),
                ),
            ),
        )
    if not user.is_active:
        return Standing(user, Decision(False, INACTIVE, NextStep(_("This account is deactivated."))))
    if is_staff_reader(user):
        if not mfa_enabled(user):
            return Standing(
                user,
                Decision(
                    False,
                    MFA_REQUIRED,
                    NextStep(
                        _("Staff accounts need two-factor authentication before they can open gated documents."),
                        _("Set up two-factor authentication"),
                        reverse("mfa_activate_totp"),
                    ),
                ),
                staff=True,
            )
        return Standing(user, staff=True)
    if not email_verified(user):
        return Standing(
            user,
            Decision(
                False,
                VERIFY_EMAIL,
                NextStep(
                    _("Confirm your email address first: follow the link we sent to %(email)s.")
                    % {"email": user.email},
                    _("Resend the confirmation email"),
                    reverse("account_email"),
                ),
            ),
        )
    organization = organization_for(user)
    if organization is not None and organization.blocked:
        return Standing(
            user,
            Decision(
                False,
                BLOCKED,
                NextStep(
                    _("Access to gated documents is not available for your organization. Write to %(email)s.")
                    % {"email": contact},
                    _("Email the security team"),
                    f"mailto:{contact}",
                ),
            ),
        )
    grants = list(AccessGrant.objects.filter(user=user).order_by("-granted_at"))
    now = timezone.now()
    active = next((g for g in grants if g.is_active(now)), None)
    nda_waived = organization is not None and organization.nda_on_file
    if active is not None and not active.nda_required:
        nda_waived = True
    if not nda_waived:
        current = NdaVersion.objects.current()
        if current is None:
            return Standing(
                user,
                Decision(
                    False,
                    NO_NDA,
                    NextStep(
                        _("The NDA has not been published yet. Write to %(email)s.") % {"email": contact},
                        _("Email the security team"),
                        f"mailto:{contact}",
                    ),
                ),
            )
        signed = set(NdaSignature.objects.filter(user=user).values_list("nda__version", flat=True))
        if current.version not in signed:
            sign_url = _with_next(reverse("access:nda"), next_url)
            if signed:
                step = NextStep(
                    _(
                        "The NDA has changed since you signed version %(old)s. "
                        "Read and sign version %(new)s to continue."
                    )
                    % {"old": max(signed), "new": current.version},
                    _("Read and sign the new NDA"),
                    sign_url,
                )
                return Standing(user, Decision(False, NDA_CHANGED, step))
            step = NextStep(_("Sign the NDA to request access."), _("Read and sign the NDA"), sign_url)
            return Standing(user, Decision(False, SIGN_NDA, step))
    if active is not None:
        return Standing(user, grant=active)
    request_url = reverse("access:home")
    latest_request = AccessRequest.objects.filter(user=user).order_by("-created_at").first()
    if latest_request is not None and latest_request.status == RequestStatus.PENDING:
        return Standing(
            user,
            Decision(
                False,
                PENDING,
                NextStep(
                    _("Your request from %(date)s is waiting for review. We will email you when it is decided.")
                    % {"date": _date(latest_request.created_at)},
                    _("See your request"),
                    request_url,
                ),
            ),
        )
    latest_grant = grants[0] if grants else None
    denied_last = (
        latest_request is not None
        and latest_request.status == RequestStatus.DENIED
        and (latest_grant is None or latest_request.created_at > latest_grant.granted_at)
    )
    if latest_grant is not None and not denied_last:
        if latest_grant.revoked_at is not None:
            return Standing(
                user,
                Decision(
                    False,
                    REVOKED,
                    NextStep(
                        _("Your access was revoked on %(date)s. Write to %(email)s if you think this is a mistake.")
                        % {"date": _date(latest_grant.revoked_at), "email": contact},
                        _("Email the security team"),
                        f"mailto:{contact}",
                    ),
                ),
            )
        return Standing(
            user,
            Decision(
                False,
                EXPIRED,
                NextStep(
                    _("Your access expired on %(date)s. Ask again to renew it.")
                    % {"date": _date(latest_grant.expires_at)},
                    _("Renew access"),
                    request_url,
                ),
            ),
        )
    if denied_last:
        return Standing(
            user,
            Decision(
                False,
                DENIED,
                NextStep(
                    _("Your request of %(date)s was denied: “%(reason)s”. You can ask again with more context.")
                    % {"date": _date(latest_request.created_at), "reason": latest_request.decision_note},
                    _("Ask again"),
                    request_url,
                ),
            ),
        )
    return Standing(
        user,
        Decision(
            False,
            REQUEST_ACCESS,
            NextStep(_("Request access to the documents under NDA."), _("Request access"), request_url),
        ),
    )


def _is_public(obj) -> bool:
    return getattr(obj, "visibility", None) == "public"


def decide_with(standing_: Standing, obj) -> Decision:
    if _is_public(obj):
        return Decision(True, PUBLIC)
    if standing_.refusal is not None:
        return standing_.refusal
    if standing_.staff:
        return Decision(True, STAFF)
    return Decision(True, GRANTED, grant=standing_.grant)


def decide(user, obj, *, next_url: str | None = None) -> Decision:
    """Decide whether `user` (possibly anonymous) may read `obj` (a Document or PolicyVersion)."""
    if _is_public(obj):
        return Decision(True, PUBLIC)
    return decide_with(standing(user, next_url=next_url), obj)
