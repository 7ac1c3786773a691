"""The one access decision: may this user read this document or NDA policy version?

Every view, list and export asks `decide()`; nothing else looks at visibility, NDAs,
organizations or grants. A refusal carries the next step a person can take (a message,
a button label and a URL), so every "no" says what to do.

The rule (DESIGN.md): public material is for everyone. Anything else needs all of: a
signed-in, active account with a verified email address; no binding (ever, unless staff
moved the account) to a blocked organization; the current NDA signed (or the bound
organization's NDA on file, or an invitation that waived it); and an unexpired, unrevoked
grant, not issued under a blocked organization, whose scope covers the object. Staff
(`User.has_staff_role`) read everything once their two-factor authentication is on.

`standing()` works out, once per user, the reason that refuses everything (if any), the
usable grants and the reason there is no grant; `decide_with()` then answers per object.
The messages and buttons of every reason live in one table, `NEXT_STEPS`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Q
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trustcenter.access.models import (
    AccessGrant,
    AccessRequest,
    Membership,
    NdaSignature,
    NdaVersion,
    RequestStatus,
    organization_for,
)
from trustcenter.core.company import load_company
from trustcenter.documents.models import Document
from trustcenter.lib.mfa import mfa_satisfied
from trustcenter.lib.visibility import Visibility

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
NOT_IN_SCOPE = "not_in_scope"
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


@dataclass(frozen=True)
class Facts:
    """What the next-step messages of one user may mention."""

    user: object
    next_url: str | None = None
    date: object = None
    old: int | None = None
    new: int | None = None
    note: str = ""
    document: Document | None = None


def _date(value) -> str:
    return date_format(timezone.localtime(value) if hasattr(value, "tzinfo") else value, "DATE_FORMAT")


def _with_next(url: str, next_url: str | None) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _contact() -> str:
    return load_company().security_email


def _write_to_us(message: str) -> NextStep:
    return NextStep(message, _("Email the security team"), f"mailto:{_contact()}")


def _ask_for_document(f: Facts) -> NextStep:
    url = reverse("access:home")
    if f.document is not None:
        url = f"{url}?{urlencode({'document': f.document.pk})}"
    return NextStep(_("Your access does not include this document. Ask for it."), _("Ask for this document"), url)


# The next step of every refusal, one entry a reason: the views show these and nothing else.
NEXT_STEPS: dict[str, Callable[[Facts], NextStep]] = {
    SIGN_IN: lambda f: NextStep(
        _("Sign in or create an account to request access."),
        _("Sign in"),
        _with_next(resolve_url(settings.LOGIN_URL), f.next_url),
    ),
    INACTIVE: lambda f: NextStep(_("This account is deactivated.")),
    MFA_REQUIRED: lambda f: NextStep(
        _("Staff accounts need two-factor authentication before they can open gated documents."),
        _("Set up two-factor authentication"),
        reverse("mfa_activate_totp"),
    ),
    VERIFY_EMAIL: lambda f: NextStep(
        _("Confirm your email address first: follow the link we sent to %(email)s.") % {"email": f.user.email},
        _("Resend the confirmation email"),
        reverse("account_email"),
    ),
    BLOCKED: lambda f: _write_to_us(
        _("Access to gated documents is not available for your organization. Write to %(email)s.")
        % {"email": _contact()}
    ),
    NO_NDA: lambda f: _write_to_us(
        _("The NDA has not been published yet. Write to %(email)s.") % {"email": _contact()}
    ),
    NDA_CHANGED: lambda f: NextStep(
        _("The NDA has changed since you signed version %(old)s. Read and sign version %(new)s to continue.")
        % {"old": f.old, "new": f.new},
        _("Read and sign the new NDA"),
        _with_next(reverse("access:nda"), f.next_url),
    ),
    SIGN_NDA: lambda f: NextStep(
        _("Sign the NDA to request access."),
        _("Read and sign the NDA"),
        _with_next(reverse("access:nda"), f.next_url),
    ),
    PENDING: lambda f: NextStep(
        _("Your request from %(date)s is waiting for review. We will email you when it is decided.")
        % {"date": _date(f.date)},
        _("See your request"),
        reverse("access:home"),
    ),
    REVOKED: lambda f: _write_to_us(
        _("Your access was revoked on %(date)s. Write to %(email)s if you think this is a mistake.")
        % {"date": _date(f.date), "email": _contact()}
    ),
    EXPIRED: lambda f: NextStep(
        _("Your access expired on %(date)s. Ask again to renew it.") % {"date": _date(f.date)},
        _("Renew access"),
        reverse("access:home"),
    ),
    DENIED: lambda f: NextStep(
        _("Your request of %(date)s was denied: “%(reason)s”. You can ask again with more context.")
        % {"date": _date(f.date), "reason": f.note},
        _("Ask again"),
        reverse("access:home"),
    ),
    REQUEST_ACCESS: lambda f: NextStep(
        _("Request access to the documents under NDA."), _("Request access"), reverse("access:home")
    ),
    NOT_IN_SCOPE: _ask_for_document,
}

# The short state a document card shows for each reason.
STATE_LABELS = {
    PENDING: gettext_lazy("Request waiting for review"),
    DENIED: gettext_lazy("Request denied"),
    EXPIRED: gettext_lazy("Access expired"),
    REVOKED: gettext_lazy("Access revoked"),
    SIGN_NDA: gettext_lazy("NDA not signed"),
    NDA_CHANGED: gettext_lazy("New NDA to sign"),
    VERIFY_EMAIL: gettext_lazy("Email not confirmed"),
    REQUEST_ACCESS: gettext_lazy("No access yet"),
    NOT_IN_SCOPE: gettext_lazy("Not in your access"),
    BLOCKED: gettext_lazy("Not available"),
    MFA_REQUIRED: gettext_lazy("Two-factor authentication needed"),
}


def refuse(reason: str, facts: Facts) -> Decision:
    return Decision(False, reason, NEXT_STEPS[reason](facts))


def email_verified(user) -> bool:
    """The account's own address is verified (allauth's confirmation link was followed)."""
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def bound_to_blocked_organization(user) -> bool:
    """Any binding of `user` to a blocked organization that staff did not end by moving the account."""
    return (
        Membership.objects.filter(user=user, organization__blocked=True)
        .filter(Q(ended_at__isnull=True) | Q(ended_by__isnull=True))
        .exists()
    )


def objecting_organization(user):
    """The organization a user may object for (to a subprocessor change), or None: an active,
    verified customer account bound to an organization, with no binding to a blocked one."""
    if user is None or not user.is_authenticated or not user.is_active or user.needs_mfa:
        return None
    if not email_verified(user) or bound_to_blocked_organization(user):
        return None
    return organization_for(user)


@dataclass
class Standing:
    """Everything the rule needs to know about one user, read once for many objects.

    `refusal` refuses everything gated before grants are looked at; `nda_refusal` applies
    unless a covering grant waived the NDA; `no_grant` is why an object no grant covers is
    refused when the user holds no usable grant at all.
    """

    user: object
    refusal: Decision | None = None
    staff: bool = False
    grants: list[AccessGrant] = field(default_factory=list)
    nda_refusal: Decision | None = None
    no_grant: Decision | None = None
    next_url: str | None = None

    def summary(self) -> Decision:
        """One decision for "all NDA material", for pages about the user's access as a whole."""
        if self.refusal is not None:
            return self.refusal
        if self.staff:
            return Decision(True, STAFF)
        waived = any(not g.nda_required for g in self.grants)
        if self.nda_refusal is not None and not waived:
            return self.nda_refusal
        if self.grants:
            return Decision(True, GRANTED, grant=self.grants[0])
        return self.no_grant

    @property
    def has_full_grant(self) -> bool:
        return any(g.all_material for g in self.grants)


def _first_refusal(user, facts: Facts) -> Decision | None:
    """The reasons that refuse everything gated, whatever grants the user holds."""
    if user is None or not user.is_authenticated:
        return refuse(SIGN_IN, facts)
    if not user.is_active:
        return refuse(INACTIVE, facts)
    if user.has_staff_role:
        return None if mfa_satisfied(user) else refuse(MFA_REQUIRED, facts)
    if not email_verified(user):
        return refuse(VERIFY_EMAIL, facts)
    if bound_to_blocked_organization(user):
        return refuse(BLOCKED, facts)
    return None


def _nda_refusal(user, organization, facts: Facts) -> Decision | None:
    if organization is not None and organization.nda_on_file:
        return None
    current = NdaVersion.objects.current()
    if current is None:
        return refuse(NO_NDA, facts)
    signed = set(NdaSignature.objects.filter(user=user).values_list("nda__version", flat=True))
    if current.version in signed:
        return None
    if signed:
        return refuse(NDA_CHANGED, Facts(user, facts.next_url, old=max(signed), new=current.version))
    return refuse(SIGN_NDA, facts)


def _no_grant_reason(user, grants: list[AccessGrant], facts: Facts) -> Decision:
    """Why there is no usable grant: a pending, denied, expired or revoked request, or none yet."""
    latest_request = AccessRequest.objects.filter(user=user).order_by("-created_at").first()
    if latest_request is not None and latest_request.status == RequestStatus.PENDING:
        return refuse(PENDING, Facts(user, date=latest_request.created_at))
    latest_grant = grants[0] if grants else None
    denied_last = (
        latest_request is not None
        and latest_request.status == RequestStatus.DENIED
        and (latest_grant is None or latest_request.created_at > latest_grant.granted_at)
    )
    if denied_last:
        return refuse(DENIED, Facts(user, date=latest_request.created_at, note=latest_request.decision_note))
    if latest_grant is not None:
        if latest_grant.revoked_at is not None:
            return refuse(REVOKED, Facts(user, date=latest_grant.revoked_at))
        if latest_grant.organization is not None and latest_grant.organization.blocked:
            return refuse(BLOCKED, facts)
        return refuse(EXPIRED, Facts(user, date=latest_grant.expires_at))
    return refuse(REQUEST_ACCESS, facts)


def standing(user, *, next_url: str | None = None) -> Standing:
    """Work out where `user` stands, once, so a list of documents costs a few queries."""
    facts = Facts(user, next_url)
    refusal = _first_refusal(user, facts)
    if refusal is not None:
        staff = bool(user is not None and user.is_authenticated and user.has_staff_role)
        return Standing(user, refusal, staff=staff, next_url=next_url)
    if user.has_staff_role:
        return Standing(user, staff=True, next_url=next_url)
    grants = list(
        AccessGrant.objects.filter(user=user)
        .select_related("organization")
        .prefetch_related("documents")
        .order_by("-granted_at")
    )
    now = timezone.now()
    # A grant issued under an organization that is now blocked opens nothing.
    usable = [g for g in grants if g.is_active(now) and not (g.organization and g.organization.blocked)]
    return Standing(
        user,
        grants=usable,
        nda_refusal=_nda_refusal(user, organization_for(user), facts),
        no_grant=None if usable else _no_grant_reason(user, grants, facts),
        next_url=next_url,
    )


def is_public(obj) -> bool:
    return getattr(obj, "visibility", None) == Visibility.PUBLIC


def decide_with(standing_: Standing, obj) -> Decision:
    if is_public(obj):
        return Decision(True, PUBLIC)
    if standing_.refusal is not None:
        return standing_.refusal
    if standing_.staff:
        return Decision(True, STAFF)
    covering = next((g for g in standing_.grants if g.covers(obj)), None)
    if covering is not None and (not covering.nda_required or standing_.nda_refusal is None):
        return Decision(True, GRANTED, grant=covering)
    if standing_.nda_refusal is not None:
        return standing_.nda_refusal
    if standing_.grants:
        document = obj if isinstance(obj, Document) else None
        return refuse(NOT_IN_SCOPE, Facts(standing_.user, standing_.next_url, document=document))
    return standing_.no_grant


def decide(user, obj, *, next_url: str | None = None) -> Decision:
    """Decide whether `user` (possibly anonymous) may read `obj` (a Document or PolicyVersion)."""
    if is_public(obj):
        return Decision(True, PUBLIC)
    return decide_with(standing(user, next_url=next_url), obj)


def can_read_version(user, version) -> bool:
    """Whether `user` may read the body of a policy version: NDA pages follow the same rule as
    NDA documents (verified email, signed NDA, a grant whose scope covers NDA policies)."""
    return is_public(version) or decide(user, version).allowed
