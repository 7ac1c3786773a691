from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trustcenter.access import rules
from trustcenter.access.forms import (
    AccessRequestForm,
    ApproveForm,
    DenyForm,
    InvitationForm,
    InvitationSignupForm,
    NdaSignForm,
    OrganizationCreateForm,
    RevokeForm,
)
from trustcenter.access.models import (
    AccessGrant,
    AccessRequest,
    Invitation,
    NdaSignature,
    NdaVersion,
    RequestStatus,
    email_domain,
    free_mail_domains,
    organization_for,
)
from trustcenter.access.pdf import nda_copy_pdf
from trustcenter.access.services import (
    ALL_MATERIAL,
    InvitationError,
    access_request_approve,
    access_request_create,
    access_request_deny,
    grant_revoke,
    invitation_accept,
    invitation_check,
    invitation_send,
    nda_sign,
    organization_create,
)
from trustcenter.audit.models import AuditEvent
from trustcenter.core.decorators import staff_required
from trustcenter.documents.models import Document
from trustcenter.lib.ratelimit import rate_limited
from trustcenter.lib.redirects import safe_next

# States in which a user may send a (new) access request; a user whose grants cover only part
# of the material may ask for more.
REQUESTABLE = {rules.REQUEST_ACCESS, rules.EXPIRED, rules.DENIED}


def _can_request(standing) -> bool:
    summary = standing.summary()
    if summary.reason == rules.GRANTED:
        return not standing.has_full_grant
    return summary.reason in REQUESTABLE


def _safe_next(request, default: str) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"), default=default)


# NDA ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def nda(request):
    """Show the whole current NDA and sign it (full name, company, job title, explicit consent)."""
    current = NdaVersion.objects.current()
    if current is None:
        return render(request, "access/nda_missing.html", status=404)
    signature = NdaSignature.objects.filter(user=request.user, nda=current).first()
    next_url = _safe_next(request, reverse("access:home"))
    if request.method == "POST" and signature is None:
        form = NdaSignForm(request.POST)
        if form.is_valid():
            try:
                nda_sign(
                    user=request.user,
                    nda=current,
                    full_name=form.cleaned_data["full_name"],
                    company=form.cleaned_data["company"],
                    job_title=form.cleaned_data["job_title"],
                    shown_sha256=form.cleaned_data["shown_sha256"],
                    request=request,
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect(f"{reverse('access:nda')}?{urlencode({'next': next_url})}")
            messages.success(request, _("Thank you. You signed version %(v)s of the NDA.") % {"v": current.version})
            return redirect(next_url)
    else:
        user = request.user
        form = NdaSignForm(
            initial={
                "full_name": user.full_name,
                "company": user.company or (organization_for(user).name if organization_for(user) else ""),
                "shown_sha256": current.text_sha256,
            }
        )
    previous = NdaSignature.objects.filter(user=request.user).exclude(nda=current).select_related("nda").first()
    context = {"nda": current, "form": form, "signature": signature, "previous": previous, "next": next_url}
    return render(request, "access/nda.html", context)


@login_required
@require_safe
@never_cache
def nda_copy(request, pk):
    """The signer's PDF copy of what they signed, with the facts of the signature. Own signatures only."""
    signature = get_object_or_404(NdaSignature.objects.select_related("nda", "user"), pk=pk, user=request.user)
    response = HttpResponse(nda_copy_pdf(signature), content_type="application/pdf")
    filename = f"nda-v{signature.nda.version}-signed-{timezone.localtime(signature.signed_at):%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _requested_document(request) -> dict:
    """`?document=<id>` (from a card's "Ask for this document"): the request form starts with that document."""
    raw = request.GET.get("document", "")
    if raw.isdigit() and Document.objects.listed().filter(pk=raw).exists():
        return {"everything": "chosen", "documents": [int(raw)]}
    return {}


# The user's own access -------------------------------------------------------------------


@login_required
@require_safe
@never_cache
def home(request):
    """Where the signed-in user stands: NDA, organization, requests, grants, and the next step."""
    user = request.user
    standing = rules.standing(user)
    summary = standing.summary()
    context = {
        "standing": standing,
        "refusal": None if summary.allowed else summary,
        "can_request": _can_request(standing),
        "form": AccessRequestForm(initial=_requested_document(request) or {"everything": "all"}),
        "organization": organization_for(user),
        "signatures": NdaSignature.objects.filter(user=user).select_related("nda"),
        "current_nda": NdaVersion.objects.current(),
        "requests": AccessRequest.objects.filter(user=user).prefetch_related("documents")[:10],
        "grants": AccessGrant.objects.filter(user=user).prefetch_related("documents")[:10],
        "now": timezone.now(),
    }
    return render(request, "access/home.html", context)


@login_required
@require_POST
@rate_limited("access_request_user", key="user")
@rate_limited("access_request_ip", key="ip")
def request_access(request):
    standing = rules.standing(request.user)
    if not _can_request(standing):
        summary = standing.summary()
        if summary.reason == rules.PENDING:
            messages.info(request, _("Your request is already waiting for review; there is no need to send another."))
        elif summary.allowed:
            messages.info(request, _("You already have access."))
        else:
            messages.error(request, summary.next_step.message)
        return redirect("access:home")
    form = AccessRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("access:home")
    try:
        access_request, created = access_request_create(
            user=request.user, reason=form.cleaned_data["reason"], scope=form.scope() or ALL_MATERIAL, request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("access:home")
    if access_request.status == RequestStatus.APPROVED:
        messages.success(
            request, _("Your organization's access is approved automatically. You can download the documents now.")
        )
        return redirect("documents:list")
    if created:
        messages.success(request, _("Your request was sent. We will email you when it is decided."))
    else:
        messages.info(request, _("Your request is already waiting for review; there is no need to send another."))
    return redirect("access:home")


# Review queue (sales and security admins) ---------------------------------------------


@staff_required
@require_safe
@never_cache
def review(request):
    pending = AccessRequest.objects.filter(status=RequestStatus.PENDING).select_related("user", "organization")
    pending = pending.order_by("created_at")
    items = []
    for access_request in pending:
        user = access_request.user
        items.append(
            {
                "request": access_request,
                "verified": rules.email_verified(user),
                "signature": NdaSignature.objects.filter(user=user).select_related("nda").first(),
                "organization": organization_for(user),
                "approve_form": ApproveForm(initial=ApproveForm.initial_for(access_request)),
                "new_organization": _organization_suggestion(user),
            }
        )
    context = {
        "items": items,
        "grants": AccessGrant.objects.active()
        .select_related("user", "organization")
        .prefetch_related("documents")
        .order_by("expires_at"),
        "decided": AccessRequest.objects.exclude(status=RequestStatus.PENDING)
        .select_related("user", "decided_by")
        .order_by("-decided_at")[:20],
        "approve_form": ApproveForm(),
        "deny_form": DenyForm(),
        "revoke_form": RevokeForm(),
        "default_days": settings.ACCESS_GRANT_DAYS,
    }
    return render(request, "access/review.html", context)


def _organization_suggestion(user) -> dict | None:
    """For a requester bound to no organization: what staff could create (name from the NDA, the email domain).

    None when they are bound, or when their address is at a free-mail provider, which can never
    identify an organization.
    """
    if organization_for(user) is not None:
        return None
    domain = email_domain(user.email)
    if not domain or domain in free_mail_domains():
        return {"free_mail": True, "domain": domain}
    signature = NdaSignature.objects.filter(user=user).order_by("-signed_at").first()
    name = (signature.company if signature else "") or user.company or domain
    return {
        "free_mail": False,
        "domain": domain,
        "form": OrganizationCreateForm(initial={"name": name, "domain": domain}),
    }


@staff_required
@require_POST
def organization_new(request):
    """Create an organization (name and one email domain) from the review queue."""
    form = OrganizationCreateForm(request.POST)
    if form.is_valid():
        try:
            organization = organization_create(
                name=form.cleaned_data["name"], domain=form.cleaned_data["domain"], actor=request.user, request=request
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Organization %(name)s created for %(domain)s; its people with a verified address there now "
                  "belong to it. Set auto-approval, grant length or an NDA on file in the admin.")
                % {"name": organization.name, "domain": form.cleaned_data["domain"].strip().lower()},
            )  # fmt: skip
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("access:review")


@staff_required
@require_POST
def approve(request, pk):
    access_request = get_object_or_404(AccessRequest, pk=pk)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("access:review")
    try:
        grant = access_request_approve(
            access_request=access_request,
            reviewer=request.user,
            days=form.cleaned_data["days"],
            scope=form.scope(),
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("access:review")
    messages.success(
        request,
        _("Approved %(email)s until %(date)s.")
        % {"email": access_request.user.email, "date": timezone.localtime(grant.expires_at).strftime("%Y-%m-%d")},
    )
    return redirect("access:review")


@staff_required
@require_POST
def deny(request, pk):
    access_request = get_object_or_404(AccessRequest, pk=pk)
    form = DenyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the request is denied; the requester reads it."))
        return redirect("access:review")
    try:
        access_request_deny(
            access_request=access_request, reviewer=request.user, reason=form.cleaned_data["reason"], request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("access:review")
    messages.success(request, _("Denied the request from %(email)s.") % {"email": access_request.user.email})
    return redirect("access:review")


@staff_required
@require_POST
def revoke(request, pk):
    grant = get_object_or_404(AccessGrant, pk=pk)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why access is revoked; it is kept with the grant."))
        return redirect("access:review")
    grant_revoke(grant=grant, actor=request.user, reason=form.cleaned_data["reason"], request=request)
    messages.success(request, _("Revoked the access of %(email)s.") % {"email": grant.user.email})
    return redirect("access:review")


# Invitations ------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def invitations(request):
    """Sales invite an email address with pre-approved access."""
    if request.method == "POST":
        form = InvitationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                invitation, _link = invitation_send(
                    email=data["email"],
                    actor=request.user,
                    organization=data["organization"],
                    days=data["days"],
                    nda_required=data["nda_required"],
                    message=data["message"],
                    request=request,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s; the link works once, until %(date)s.")
                    % {
                        "email": invitation.email,
                        "date": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d"),
                    },
                )
                return redirect("access:invitations")
    else:
        form = InvitationForm()
    sent = Invitation.objects.select_related("organization", "created_by", "accepted_by")[:50]
    return render(request, "access/invitations.html", {"form": form, "sent": sent, "now": timezone.now()})


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def invitation(request, token):
    """Open an invitation link: accept it signed in as the invited address, or create that account."""
    try:
        invite = invitation_check(token)
    except InvitationError as exc:
        return render(
            request, "access/invitation_invalid.html", {"error": exc}, status=410 if exc.code != "forged" else 404
        )
    User = get_user_model()
    user = request.user
    existing = User.objects.filter(email__iexact=invite.email).first()
    signup_form = None
    if user.is_authenticated and user.email.lower() != invite.email:
        return render(
            request,
            "access/invitation_invalid.html",
            {"error": InvitationError(
                _("This invitation is for %(email)s, but you are signed in as %(me)s. Sign out, then open the link "
                  "again.") % {"email": invite.email, "me": user.email}, "wrong_user")},
            status=403,
        )  # fmt: skip
    if request.method == "POST":
        if not user.is_authenticated:
            if existing is not None:
                return redirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': request.path})}")
            signup_form = InvitationSignupForm(request.POST, email=invite.email)
            if signup_form.is_valid():
                try:
                    with transaction.atomic():
                        user = User.objects.create_user(
                            email=invite.email,
                            password=signup_form.cleaned_data["password1"],
                            full_name=signup_form.cleaned_data["full_name"],
                            company=signup_form.cleaned_data["company"],
                        )
                        invitation_accept(token=token, user=user, request=request)
                except IntegrityError:
                    signup_form.add_error(None, _("An account with this address was just created. Sign in instead."))
                except InvitationError as exc:
                    return render(request, "access/invitation_invalid.html", {"error": exc}, status=410)
                else:
                    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
                    return _after_accept(request, user)
        else:
            try:
                invitation_accept(token=token, user=user, request=request)
            except InvitationError as exc:
                return render(request, "access/invitation_invalid.html", {"error": exc}, status=410)
            return _after_accept(request, user)
    elif not user.is_authenticated and existing is None:
        signup_form = InvitationSignupForm(
            email=invite.email, initial={"company": invite.organization.name if invite.organization else ""}
        )
    context = {"invite": invite, "existing": existing, "signup_form": signup_form, "token": token}
    return render(request, "access/invitation.html", context)


def _after_accept(request, user):
    decision = rules.standing(user, next_url=reverse("documents:list")).summary()
    if decision.reason in (rules.SIGN_NDA, rules.NDA_CHANGED):
        messages.success(request, _("Your access is approved. Sign the NDA to start downloading."))
        return redirect(decision.next_step.url)
    messages.success(request, _("Your access is approved. You can download the documents now."))
    return redirect("documents:list")


@staff_required
@require_safe
@never_cache
def trace(request):
    """Find who downloaded a copy, from the download id stamped on its pages."""
    raw = (request.GET.get("id") or "").strip().upper().replace(" ", "")
    if len(raw) == 8 and "-" not in raw:
        raw = f"{raw[:4]}-{raw[4:]}"
    events = []
    if raw:
        events = list(
            AuditEvent.objects.filter(kind="document.downloaded", data__download_id=raw).select_related("actor")
        )
    return render(request, "access/trace.html", {"query": raw, "events": events, "searched": bool(raw)})
