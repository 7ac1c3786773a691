"""Multi-step actions of gated access: NDA publication and signing, requests, grants, invitations.

Each is one transaction that also writes its audit event, so an action and its evidence
commit together or not at all.
"""

import datetime
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from trustcenter.access.models import (
    AccessGrant,
    AccessRequest,
    Invitation,
    Membership,
    MembershipSource,
    NdaSignature,
    NdaVersion,
    Organization,
    OrganizationDomain,
    RequestStatus,
    organization_by_domain,
    organization_for,
    scope_covers,
)
from trustcenter.access.nda import nda_path, parse_nda, text_sha256
from trustcenter.access.rules import email_verified
from trustcenter.audit.services import audit_record
from trustcenter.core.company import load_company
from trustcenter.jobs.services import email_queue
from trustcenter.lib.contentfiles import ContentError, content_path
from trustcenter.lib.markup import render_markdown
from trustcenter.lib.ratelimit import client_ip

INVITATION_SALT = "trustcenter.access.invitation"


# NDA -------------------------------------------------------------------------------


def nda_publish(*, root: Path, actor=None) -> str | None:
    """Publish content/nda.md if it is new or has a higher version; return a report line or None.

    Same rules as policies: unchanged text does nothing; changed text needs a higher
    `version`. Must run inside the caller's transaction (content_publish).
    """
    path = nda_path(root)
    if not path.exists():
        return None
    source = parse_nda(path.read_text(encoding="utf-8"), path=content_path(path, root))
    rendered = render_markdown(source.body)
    digest = text_sha256(rendered.html)
    existing = NdaVersion.objects.select_for_update().filter(version=source.version).first()
    latest = NdaVersion.objects.current()
    if existing is not None:
        if existing.body_markdown.strip() != source.body or existing.title != source.title:
            raise ContentError(
                source.path,
                source.version_line,
                f"NDA version {source.version} already published with other text; "
                f"set `version: {latest.version + 1}` to publish this change (everyone signs the new version)",
            )
        return None
    if latest is not None and source.version < latest.version:
        raise ContentError(
            source.path,
            source.version_line,
            f"NDA version {source.version} is older than the published version {latest.version}; "
            f"set `version: {latest.version + 1}`",
        )
    nda = NdaVersion(
        version=source.version,
        title=source.title,
        effective=source.effective,
        body_markdown=source.body,
        body_html=rendered.html,
        text_sha256=digest,
        source=source.path,
        published_at=timezone.now(),
        published_by=actor,
    )
    try:
        nda.full_clean()
    except ValidationError as exc:
        raise ContentError(source.path, 1, "; ".join(exc.messages)) from None
    nda.save()
    return f"created: NDA v{nda.version} ({source.path})"


def nda_publish_step(*, root: Path, company, created_versions, actor=None) -> list[str]:
    """`publish` runs this after the policies, in the same transaction (see AccessConfig.ready)."""
    line = nda_publish(root=root, actor=actor)
    return [line] if line else []


def nda_check_files(*, root: Path, company) -> int:
    """`publish --check` without a database: validate content/nda.md alone; 1 if there is one."""
    path = nda_path(root)
    if not path.exists():
        return 0
    parse_nda(path.read_text(encoding="utf-8"), path=content_path(path, root))
    return 1


def _request_facts(request) -> tuple[str | None, str]:
    if request is None:
        return None, ""
    ip = client_ip(request)
    ip = None if ip in ("unknown", "") or "/" in ip else ip
    return ip, request.META.get("HTTP_USER_AGENT", "")[:500]


@transaction.atomic
def nda_sign(
    *, user, nda: NdaVersion, full_name: str, company: str, job_title: str, shown_sha256: str, request=None
) -> NdaSignature:
    """Record `user`'s acceptance of `nda`, as shown to them (`shown_sha256`)."""
    if shown_sha256 != nda.text_sha256:
        raise ValidationError(
            _("The NDA changed while you were reading it. Please read the current version and sign again."),
            code="nda_changed",
        )
    existing = NdaSignature.objects.filter(user=user, nda=nda).first()
    if existing is not None:
        return existing
    ip, user_agent = _request_facts(request)
    signature = NdaSignature(
        user=user,
        nda=nda,
        full_name=full_name.strip(),
        company=company.strip(),
        job_title=job_title.strip(),
        email=user.email,
        text_sha256=nda.text_sha256,
        signed_at=timezone.now(),
        ip=ip,
        user_agent=user_agent,
    )
    signature.full_clean()
    signature.save()
    changed = []
    if not user.full_name:
        user.full_name = signature.full_name
        changed.append("full_name")
    if not user.company:
        user.company = signature.company
        changed.append("company")
    if changed:
        user.save(update_fields=changed)
    audit_record(
        kind="nda.signed",
        actor=user,
        request=request,
        subject=f"nda:{nda.version}",
        data={
            "signature_id": signature.pk,
            "nda_version": nda.version,
            "text_sha256": nda.text_sha256,
            "full_name": signature.full_name,
            "company": signature.company,
            "job_title": signature.job_title,
        },
    )
    return signature


# Organizations ---------------------------------------------------------------------


def _membership_create(*, user, organization: Organization, source: str, email: str = "", actor=None,
                       request=None) -> Membership:  # fmt: skip
    membership = Membership(
        user=user, organization=organization, source=source, email=email, bound_by=actor, bound_at=timezone.now()
    )
    membership.full_clean()
    membership.save()
    audit_record(
        kind="organization.member_bound",
        actor=actor or user,
        request=request,
        subject=f"user:{user.pk}",
        data={"organization": organization.name, "organization_id": organization.pk, "source": source,
              "email": email},
    )  # fmt: skip
    return membership


@transaction.atomic
def membership_reevaluate(*, user, email: str = "", request=None, report_mismatch: bool = False) -> Membership | None:
    """Bind `user` to an organization by their verified addresses, if not bound yet; return the binding.

    Called on every verified address (new, confirmed or made primary). An account that is
    already bound stays bound whatever address it uses: only staff move it
    (`membership_move`). With `report_mismatch`, a newly verified address at another
    organization's domain is recorded in the audit log, so staff can see it and decide.
    """
    current = Membership.objects.select_for_update().filter(user=user, ended_at__isnull=True).first()
    if current is not None:
        other = organization_by_domain(email) if email else None
        if report_mismatch and other is not None and other.pk != current.organization_id:
            audit_record(
                kind="organization.member_kept",
                actor=user,
                request=request,
                subject=f"user:{user.pk}",
                data={"organization": current.organization.name, "address": email, "address_organization": other.name},
            )
        return current
    from allauth.account.models import EmailAddress

    addresses = EmailAddress.objects.filter(user=user, verified=True).order_by("-primary", "id")
    for address in addresses:
        organization = organization_by_domain(address.email)
        if organization is not None:
            return _membership_create(
                user=user, organization=organization, source=MembershipSource.VERIFIED_EMAIL, email=address.email,
                request=request,
            )  # fmt: skip
    return None


@transaction.atomic
def membership_bind_domain(*, domain: str) -> int:
    """A domain was added to an organization: bind the unbound accounts with a verified address there."""
    from allauth.account.models import EmailAddress

    domain = domain.strip().lower()
    users = (
        EmailAddress.objects.filter(verified=True, email__iendswith=f"@{domain}")
        .exclude(user__in=Membership.objects.filter(ended_at__isnull=True).values("user"))
        .values_list("user_id", flat=True)
        .distinct()
    )
    count = 0
    for user in get_user_model().objects.filter(pk__in=list(users)):
        if membership_reevaluate(user=user) is not None:
            count += 1
    return count


@transaction.atomic
def organization_create(*, name: str, domain: str, actor, request=None) -> Organization:
    """Staff create an organization with one email domain, e.g. from a request in the review queue.

    Accounts already verified at the domain are bound to it (the domain's receiver does that),
    so the requester's next decision sees the organization. Audited.
    """
    organization = Organization(name=name.strip())
    organization.full_clean()
    organization.save()
    organization_domain = OrganizationDomain(organization=organization, domain=domain)
    organization_domain.full_clean()
    organization_domain.save()
    audit_record(
        kind="organization.created",
        actor=actor,
        request=request,
        subject=f"organization:{organization.pk}",
        data={"name": organization.name, "domain": organization_domain.domain},
    )
    return organization


@transaction.atomic
def membership_move(*, user, organization: Organization | None, actor, reason: str, request=None) -> Membership | None:
    """Staff move an account to another organization (or to none); the old binding ends, audited."""
    if not reason.strip():
        raise ValidationError(_("Say why the account is moved; it is kept with the binding."), code="reason")
    current = Membership.objects.select_for_update().filter(user=user, ended_at__isnull=True).first()
    if current is not None and organization is not None and current.organization_id == organization.pk:
        return current
    if current is not None:
        current.ended_at = timezone.now()
        current.ended_by = actor
        current.end_reason = reason.strip()
        current.save(update_fields=["ended_at", "ended_by", "end_reason"])
    audit_record(
        kind="organization.member_moved",
        actor=actor,
        request=request,
        subject=f"user:{user.pk}",
        data={
            "user": user.email,
            "from": current.organization.name if current else "",
            "to": organization.name if organization else "",
            "reason": reason.strip(),
        },
    )
    if organization is None:
        return None
    return _membership_create(
        user=user, organization=organization, source=MembershipSource.STAFF, actor=actor, request=request
    )


# Requests and grants ----------------------------------------------------------------


def _reviewers():
    User = get_user_model()
    return User.objects.filter(is_active=True, role__in=["sales", "security_admin"])


def _mail(*, key: str, subject: str, template: str, context: dict, to: list[str]) -> None:
    """Queue an email in the current transaction; a worker sends it once that commits (`key`
    names it, so it is never sent twice)."""
    context = {"site_url": settings.SITE_URL, **context}
    email_queue(key=key, to=to, subject=str(subject), body=render_to_string(template, context))


@dataclass(frozen=True)
class Scope:
    """All NDA material, or chosen kinds (document kinds, NDA policies) and documents."""

    all_material: bool = True
    kinds: tuple[str, ...] = ()
    documents: tuple = ()

    def covers_scope(self, other: "Scope") -> bool:
        if self.all_material:
            return True
        if other.all_material:
            return False
        ids = {d.pk for d in self.documents}
        return set(other.kinds) <= set(self.kinds) and all(
            scope_covers(all_material=False, kinds=self.kinds, document_ids=ids, obj=d) for d in other.documents
        )

    @classmethod
    def of(cls, obj) -> "Scope":
        """The scope of a request or grant."""
        return cls(obj.all_material, tuple(obj.kinds), tuple(obj.documents.all()) if obj.pk else ())


ALL_MATERIAL = Scope()


def _scope_apply(obj, scope: Scope) -> None:
    """Save `scope` on a saved request or grant."""
    obj.all_material = scope.all_material
    obj.kinds = [] if scope.all_material else list(scope.kinds)
    obj.full_clean()
    obj.save(update_fields=["all_material", "kinds"])
    obj.documents.set([] if scope.all_material else list(scope.documents))


def _scope_check(scope: Scope) -> None:
    if not scope.all_material and not scope.kinds and not scope.documents:
        raise ValidationError(_("Choose at least one kind or document, or all NDA material."), code="scope")


def _grant_create(*, user, days: int, organization=None, granted_by=None, request_obj=None, invitation=None,
                  nda_required=True, scope: Scope = ALL_MATERIAL) -> AccessGrant:  # fmt: skip
    now = timezone.now()
    grant = AccessGrant(
        user=user,
        organization=organization,
        request=request_obj,
        invitation=invitation,
        nda_required=nda_required,
        granted_at=now,
        granted_by=granted_by,
        expires_at=now + datetime.timedelta(days=days),
    )
    grant.full_clean()
    grant.save()
    _scope_apply(grant, scope)
    return grant


def _auto_scope(organization: Organization) -> Scope:
    if organization.auto_approve_all:
        return ALL_MATERIAL
    return Scope(False, tuple(organization.auto_approve_kinds), tuple(organization.auto_approve_documents.all()))


def access_request_create(
    *, user, reason: str = "", scope: Scope = ALL_MATERIAL, request=None
) -> tuple[AccessRequest, bool]:
    """Ask for access to `scope`. Returns (the request, created). A pending request is returned, not duplicated.

    Auto-approved when the account is bound to an organization that auto-approves what is
    asked for (never for blocked organizations); otherwise queued for review and the
    reviewers are emailed.
    """
    _scope_check(scope)
    with transaction.atomic():
        pending = AccessRequest.objects.select_for_update().filter(user=user, status=RequestStatus.PENDING).first()
        if pending is not None:
            return pending, False
        organization = organization_for(user)
        access_request = AccessRequest(user=user, organization=organization, reason=reason.strip())
        access_request.full_clean()
        try:
            with transaction.atomic():
                access_request.save()
        except IntegrityError:
            # Another request from the same user won the race; return that one.
            return AccessRequest.objects.get(user=user, status=RequestStatus.PENDING), False
        _scope_apply(access_request, scope)
        audit_record(
            kind="access.requested",
            actor=user,
            request=request,
            subject=f"access_request:{access_request.pk}",
            data={
                "organization": organization.name if organization else "",
                "reason": access_request.reason,
                "scope": access_request.scope_label(),
            },
        )
        auto = (
            organization is not None
            and organization.auto_approve
            and not organization.blocked
            and email_verified(user)
            and _auto_scope(organization).covers_scope(scope)
        )
        if auto:
            access_request_approve(access_request=access_request, reviewer=None, request=request, automatic=True)
            access_request.refresh_from_db()
            return access_request, True
        _notify_reviewers(access_request)
    return access_request, True


def _notify_reviewers(access_request: AccessRequest) -> None:
    _mail(
        key=f"access-request-received:{access_request.pk}",
        subject=_("Access request from %(email)s") % {"email": access_request.user.email},
        template="access/email/request_received.txt",
        context={"access_request": access_request, "review_url": settings.SITE_URL + reverse("access:review")},
        to=[u.email for u in _reviewers()],
    )


@transaction.atomic
def access_request_approve(
    *, access_request: AccessRequest, reviewer, days: int | None = None, scope: Scope | None = None,
    request=None, automatic: bool = False,
) -> AccessGrant:  # fmt: skip
    """Approve a pending request: a grant of `days` (default: organization, then site) for `scope`.

    The reviewer picks the scope; without one, the grant covers what was asked for. The
    grant records the organization the account is bound to now.
    """
    access_request = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if access_request.status != RequestStatus.PENDING:
        raise ValidationError(_("This request was already decided."), code="decided")
    scope = scope or Scope.of(access_request)
    _scope_check(scope)
    organization = organization_for(access_request.user) or access_request.organization
    if organization is not None and organization.blocked:
        raise ValidationError(
            _("%(org)s is blocked: no one bound to it can be given access.") % {"org": organization.name},
            code="blocked",
        )
    length = days or (organization.grant_length() if organization else settings.ACCESS_GRANT_DAYS)
    now = timezone.now()
    access_request.status = RequestStatus.APPROVED
    access_request.decided_at = now
    access_request.decided_by = reviewer
    access_request.auto_approved = automatic
    access_request.save()
    grant = _grant_create(
        user=access_request.user,
        days=length,
        organization=organization,
        granted_by=reviewer,
        request_obj=access_request,
        scope=scope,
    )
    audit_record(
        kind="access.approved",
        actor=reviewer,
        request=request if not automatic else None,
        subject=f"access_request:{access_request.pk}",
        data={
            "user": access_request.user.email,
            "grant_id": grant.pk,
            "days": length,
            "expires_at": grant.expires_at,
            "automatic": automatic,
            "organization": organization.name if organization else "",
            "scope": grant.scope_label(),
        },
    )
    user = access_request.user
    _mail(
        key=f"access-approved:{access_request.pk}",
        subject=_("Your access to the security documents is approved"),
        template="access/email/request_approved.txt",
        context={"user": user, "grant": grant, "documents_url": settings.SITE_URL + reverse("documents:list")},
        to=[user.email],
    )
    return grant


@transaction.atomic
def access_request_deny(*, access_request: AccessRequest, reviewer, reason: str, request=None) -> AccessRequest:
    access_request = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if access_request.status != RequestStatus.PENDING:
        raise ValidationError(_("This request was already decided."), code="decided")
    if not reason.strip():
        raise ValidationError(_("Say why the request is denied; the requester reads it."), code="reason")
    access_request.status = RequestStatus.DENIED
    access_request.decided_at = timezone.now()
    access_request.decided_by = reviewer
    access_request.decision_note = reason.strip()
    access_request.full_clean()
    access_request.save()
    audit_record(
        kind="access.denied",
        actor=reviewer,
        request=request,
        subject=f"access_request:{access_request.pk}",
        data={"user": access_request.user.email, "reason": access_request.decision_note},
    )
    user = access_request.user
    _mail(
        key=f"access-denied:{access_request.pk}",
        subject=_("Your request for the security documents"),
        template="access/email/request_denied.txt",
        context={"user": user, "access_request": access_request},
        to=[user.email],
    )
    return access_request


@transaction.atomic
def grant_revoke(*, grant: AccessGrant, actor, reason: str, request=None) -> AccessGrant:
    grant = AccessGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.revoked_at is not None:
        return grant
    if not reason.strip():
        raise ValidationError(_("Say why access is revoked; it is kept with the grant."), code="reason")
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor
    grant.revoke_reason = reason.strip()
    grant.save()
    audit_record(
        kind="access.revoked",
        actor=actor,
        request=request,
        subject=f"grant:{grant.pk}",
        data={"user": grant.user.email, "reason": grant.revoke_reason},
    )
    return grant


# Invitations ---------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


def invitation_send(
    *, email: str, actor, organization=None, days: int | None = None, nda_required: bool = True, message: str = "",
    request=None,
) -> tuple[Invitation, str]:  # fmt: skip
    """Create an invitation and email its single-use link. Returns (invitation, link)."""
    token = signing.Signer(salt=INVITATION_SALT).sign(secrets.token_urlsafe(32))
    now = timezone.now()
    with transaction.atomic():
        invitation = Invitation(
            email=email.strip().lower(),
            organization=organization,
            grant_days=days or (organization.grant_length() if organization else settings.ACCESS_GRANT_DAYS),
            nda_required=nda_required,
            message=message.strip(),
            token_hash=_token_hash(token),
            created_at=now,
            created_by=actor,
            expires_at=now + datetime.timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        invitation.full_clean()
        invitation.save()
        audit_record(
            kind="invitation.sent",
            actor=actor,
            request=request,
            subject=f"invitation:{invitation.pk}",
            data={
                "email": invitation.email,
                "organization": organization.name if organization else "",
                "days": invitation.grant_days,
                "nda_required": nda_required,
            },
        )
        link = settings.SITE_URL + reverse("access:invitation", args=[token])
        _mail(
            key=f"invitation:{invitation.pk}",
            subject=_("You are invited to the %(site)s trust center") % {"site": _site_name()},
            template="access/email/invitation.txt",
            context={"invitation": invitation, "link": link, "sender": actor},
            to=[invitation.email],
        )
    return invitation, link


def _site_name() -> str:
    return load_company().name


class InvitationError(Exception):
    """An invitation link that cannot be used; `message` says why and what to do."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def invitation_check(token: str) -> Invitation:
    """Return the invitation for `token`, or raise InvitationError (forged, used or expired)."""
    try:
        signing.Signer(salt=INVITATION_SALT).unsign(token)
    except signing.BadSignature:
        raise InvitationError(
            _("This invitation link is not valid. Check that you copied the whole link from the email."), "forged"
        ) from None
    invitation = Invitation.objects.filter(token_hash=_token_hash(token)).first()
    if invitation is None:
        raise InvitationError(
            _("This invitation link is not valid. Check that you copied the whole link from the email."), "forged"
        )
    if invitation.is_used:
        raise InvitationError(
            _("This invitation was already used on %(date)s. Sign in to reach your documents.")
            % {"date": timezone.localtime(invitation.accepted_at).strftime("%Y-%m-%d")},
            "used",
        )
    if invitation.is_expired():
        raise InvitationError(
            _("This invitation expired on %(date)s. Ask your contact at %(site)s to send a new one.")
            % {"date": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d"), "site": _site_name()},
            "expired",
        )
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user, request=None) -> AccessGrant:
    """Use an invitation: the signed-in `user` (whose email it was sent to) gets its grant."""
    invitation = invitation_check(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.is_used:  # a concurrent accept won
        raise InvitationError(_("This invitation was already used. Sign in to reach your documents."), "used")
    if user.email.lower() != invitation.email:
        raise InvitationError(
            _("This invitation is for %(email)s. Sign out, then open the link again and sign in as %(email)s.")
            % {"email": invitation.email},
            "wrong_user",
        )
    _email_mark_verified(user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    grant = _grant_create(
        user=user,
        days=invitation.grant_days,
        organization=invitation.organization,
        granted_by=invitation.created_by,
        invitation=invitation,
        nda_required=invitation.nda_required,
    )
    audit_record(
        kind="invitation.accepted",
        actor=user,
        request=request,
        subject=f"invitation:{invitation.pk}",
        data={"grant_id": grant.pk, "expires_at": grant.expires_at, "nda_required": invitation.nda_required},
    )
    return grant


def _email_mark_verified(user) -> None:
    """Opening the link sent to an address proves the person reads that inbox."""
    from allauth.account.models import EmailAddress

    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None:
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    elif not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])
