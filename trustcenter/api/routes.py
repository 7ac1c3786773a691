"""The JSON API at /api/v1/ (django-ninja): the public read API and the staff API.

Public endpoints show exactly what an anonymous visitor sees on the pages, through the same
QuerySet methods and rules; they are paginated, answer conditional GETs with 304 (ETag) and
are rate-limited per client IP. Staff endpoints need a personal token (auth.TokenAuth) and
call the same service functions as the staff pages.
"""

import datetime

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import conditional_page
from ninja import File, NinjaAPI, Query, Schema, Status, UploadedFile
from ninja.decorators import decorate_view
from ninja.errors import HttpError

from trustcenter.access.forms import ApproveForm, DenyForm, InvitationForm, RevokeForm
from trustcenter.access.models import AccessGrant, AccessRequest, RequestStatus
from trustcenter.access.rules import can_read_version
from trustcenter.access.services import access_request_approve as approve
from trustcenter.access.services import access_request_deny as deny
from trustcenter.access.services import grant_revoke as revoke
from trustcenter.access.services import invitation_send
from trustcenter.api.auth import TokenAuth
from trustcenter.api.models import Scope
from trustcenter.audit.forms import AuditFilterForm
from trustcenter.audit.models import AuditEvent
from trustcenter.audit.services import audit_record
from trustcenter.core.company import load_company
from trustcenter.documents.models import Document
from trustcenter.lib.ratelimit import RateLimited, enforce
from trustcenter.policies.models import Policy
from trustcenter.questionnaires.forms import UploadForm
from trustcenter.questionnaires.importing import ImportError_
from trustcenter.questionnaires.models import Questionnaire, QuestionnaireStatus
from trustcenter.questionnaires.services import questionnaire_export
from trustcenter.questionnaires.services import questionnaire_upload as upload

api = NinjaAPI(
    title="Trust Center API",
    version="1",
    description=(
        "Public, read-only endpoints for everything an anonymous visitor can see, and staff endpoints "
        "that need a personal token. See the manual, docs/api.md."
    ),
    urls_namespace="api_v1",
    docs_url=None,  # our own page (/api/v1/docs/): ninja's loads Swagger UI from a CDN, which the CSP forbids
)

PER_PAGE = 50
MAX_PER_PAGE = 100


@api.exception_handler(RateLimited)
def _rate_limited(request, exc: RateLimited):
    response = api.create_response(
        request, {"detail": _("Too many requests; try again in %(s)d seconds.") % {"s": exc.retry_after}}, status=429
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    return api.create_response(request, {"detail": " ".join(exc.messages)}, status=400)


def _public(view):
    """Count the request against the public API's rate (per IP, without touching the session)."""

    def wrapper(request, *args, **kwargs):
        try:
            enforce(request, "api_public", key="ip")
        except RateLimited as exc:  # this wrapper runs outside ninja's exception handlers
            return _rate_limited(request, exc)
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponse) and response.status_code in (200, 304):
            response["Cache-Control"] = "public, max-age=60"
        return response

    return wrapper


def public_get(path: str, **kwargs):
    """A public GET endpoint: rate-limited, with an ETag and 304 for a matching If-None-Match."""

    def decorator(func):
        operation = api.get(path, auth=None, tags=["public"], **kwargs)(func)
        decorate_view(conditional_page, _public)(operation)
        return operation

    return decorator


# Pagination ----------------------------------------------------------------------------------


class PageParams(Schema):
    page: int = 1
    per_page: int = PER_PAGE


def paginate(request, items, params: PageParams, serialize) -> dict:
    if params.page < 1 or not 1 <= params.per_page <= MAX_PER_PAGE:
        raise HttpError(400, _("page starts at 1; per_page is between 1 and %(max)d.") % {"max": MAX_PER_PAGE})
    total = items.count() if hasattr(items, "count") and not isinstance(items, list) else len(items)
    start = (params.page - 1) * params.per_page
    chunk = items[start : start + params.per_page]

    def link(page: int) -> str:
        query = request.GET.copy()
        query["page"] = str(page)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    return {
        "count": total,
        "page": params.page,
        "per_page": params.per_page,
        "next": link(params.page + 1) if start + params.per_page < total else None,
        "previous": link(params.page - 1) if params.page > 1 and start - params.per_page < total else None,
        "results": [serialize(item) for item in chunk],
    }


class PageOut(Schema):
    count: int
    page: int
    per_page: int
    next: str | None
    previous: str | None


class Error(Schema):
    detail: str


# Public: policies ------------------------------------------------------------------------------


class Section(Schema):
    id: str
    anchor: str
    name: str
    level: int
    children: list["Section"]


class VersionSummary(Schema):
    number: int
    effective: datetime.date
    reviewed: datetime.date
    visibility: str
    published_at: datetime.datetime
    url: str


class PolicyOut(Schema):
    slug: str
    title: str
    summary: str
    category: str
    visibility: str
    owner: str
    current_version: int
    effective: datetime.date
    last_reviewed: datetime.date | None
    url: str
    html_url: str


class PolicyPage(PageOut):
    results: list[PolicyOut]


class VersionOut(Schema):
    policy: str
    number: int
    title: str
    summary: str
    category: str
    visibility: str
    owner: str
    effective: datetime.date
    reviewed: datetime.date
    published_at: datetime.datetime
    is_current: bool
    readable: bool
    body_html: str | None
    sections: list[Section]
    html_url: str


class PolicyDetail(PolicyOut):
    versions: list[VersionSummary]


def _absolute(request, url: str) -> str:
    return request.build_absolute_uri(url)


def _policy_out(request, policy) -> dict:
    current = policy.current_version
    return {
        "slug": policy.slug,
        "title": policy.title,
        "summary": policy.summary,
        "category": policy.category.name,
        "visibility": policy.visibility,
        "owner": policy.owner,
        "current_version": current.number,
        "effective": current.effective,
        "last_reviewed": policy.last_reviewed,
        "url": _absolute(request, reverse("api_v1:policy", args=[policy.slug])),
        "html_url": _absolute(request, policy.get_absolute_url()),
    }


def _sections(toc: list[dict]) -> list[dict]:
    return [
        {"id": s["id"], "anchor": f"#{s['id']}", "name": s["name"], "level": s["level"],
         "children": _sections(s.get("children", []))}
        for s in toc
    ]  # fmt: skip


def _published_policies():
    return Policy.objects.published().select_related("current_version", "category").order_by("title")


def _get_policy(slug: str):
    return get_object_or_404(_published_policies(), slug=slug)


@public_get("/policies", response=PolicyPage, url_name="policies", summary="List published policies")
def policy_list(request, params: Query[PageParams]):
    """Every published policy, as on the overview page. Policies under NDA are listed, as they
    are for visitors, but their text is not in the API."""
    return paginate(request, _published_policies(), params, lambda p: _policy_out(request, p))


@public_get("/policies/{slug}", response={200: PolicyDetail, 404: Error}, url_name="policy", summary="One policy")
def policy_detail(request, slug: str):
    """A policy and the list of all its published versions."""
    policy = _get_policy(slug)
    out = _policy_out(request, policy)
    out["versions"] = [
        {
            "number": v.number,
            "effective": v.effective,
            "reviewed": v.reviewed,
            "visibility": v.visibility,
            "published_at": v.published_at,
            "url": _absolute(request, reverse("api_v1:policy_version", args=[policy.slug, v.number])),
        }
        for v in policy.versions.order_by("-number")
    ]
    return out


@public_get(
    "/policies/{slug}/versions/{number}",
    response={200: VersionOut, 404: Error},
    url_name="policy_version",
    summary="One version of a policy, with its text and sections",
)
def policy_version(request, slug: str, number: int):
    """The text (sanitized HTML) and the sections with their anchors, for versions a visitor may
    read. Versions under NDA have `readable: false` and no text."""
    policy = _get_policy(slug)
    version = get_object_or_404(policy.versions.select_related("category"), number=number)
    readable = can_read_version(AnonymousUser(), version)
    return {
        "policy": policy.slug,
        "number": version.number,
        "title": version.title,
        "summary": version.summary,
        "category": version.category.name,
        "visibility": version.visibility,
        "owner": version.owner,
        "effective": version.effective,
        "reviewed": version.reviewed,
        "published_at": version.published_at,
        "is_current": version.pk == policy.current_version_id,
        "readable": readable,
        "body_html": version.body_html if readable else None,
        "sections": _sections(version.toc) if readable else [],
        "html_url": _absolute(request, version.get_absolute_url()),
    }


# Public: certifications, subprocessors, documents ------------------------------------------------


class CertificationOut(Schema):
    name: str
    status: str
    scope: str
    description: str
    auditor: str
    period_start: datetime.date | None
    period_end: datetime.date | None


class CertificationPage(PageOut):
    results: list[CertificationOut]


class SubprocessorOut(Schema):
    name: str
    purpose: str
    data: str
    location: str
    website: str


class SubprocessorPage(PageOut):
    results: list[SubprocessorOut]


class DocumentOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    framework: str
    visibility: str
    description: str
    period_start: datetime.date | None
    period_end: datetime.date | None
    issued: datetime.date
    expires: datetime.date | None
    pages: int
    size_bytes: int
    html_url: str


class DocumentPage(PageOut):
    results: list[DocumentOut]


@public_get("/certifications", response=CertificationPage, url_name="certifications", summary="Certifications")
def certification_list(request, params: Query[PageParams]):
    from dataclasses import asdict

    return paginate(request, list(load_company().certifications), params, asdict)


@public_get("/subprocessors", response=SubprocessorPage, url_name="subprocessors", summary="Subprocessors")
def subprocessor_list(request, params: Query[PageParams]):
    from dataclasses import asdict

    return paginate(request, list(load_company().subprocessors), params, asdict)


@public_get("/documents", response=DocumentPage, url_name="documents", summary="Documents (metadata only)")
def document_list(request, params: Query[PageParams]):
    """The documents listed on /documents/: what they are and whether they need an NDA. Files are
    never sent by the API; downloads go through the site, which asks the access rule."""
    documents = Document.objects.visible_to(AnonymousUser()).order_by("kind", "framework", "-issued")
    html_url = _absolute(request, reverse("documents:list"))

    def out(d):
        return {
            "id": d.pk, "title": d.title, "kind": d.kind, "kind_label": str(d.get_kind_display()),
            "framework": d.framework, "visibility": d.visibility, "description": d.description,
            "period_start": d.period_start, "period_end": d.period_end, "issued": d.issued, "expires": d.expires,
            "pages": d.page_count, "size_bytes": d.size, "html_url": html_url,
        }  # fmt: skip

    return paginate(request, documents, params, out)


# Staff: access requests, grants, invitations ---------------------------------------------------


READ = TokenAuth(Scope.READ)
MANAGE = TokenAuth(Scope.MANAGE_ACCESS)
QUESTIONNAIRES = TokenAuth(Scope.QUESTIONNAIRES)
STAFF_ERRORS = {401: Error, 403: Error, 404: Error, 429: Error}


class AccessRequestOut(Schema):
    id: int
    email: str
    organization: str | None
    reason: str
    status: str
    created_at: datetime.datetime
    decided_at: datetime.datetime | None
    decided_by: str | None
    decision_note: str


class AccessRequestPage(PageOut):
    results: list[AccessRequestOut]


class GrantOut(Schema):
    id: int
    email: str
    organization: str | None
    granted_at: datetime.datetime
    expires_at: datetime.datetime
    revoked_at: datetime.datetime | None
    active: bool
    request_id: int | None


class GrantPage(PageOut):
    results: list[GrantOut]


def _request_out(r) -> dict:
    return {
        "id": r.pk, "email": r.user.email, "organization": r.organization.name if r.organization else None,
        "reason": r.reason, "status": r.status, "created_at": r.created_at, "decided_at": r.decided_at,
        "decided_by": r.decided_by.email if r.decided_by else None, "decision_note": r.decision_note,
    }  # fmt: skip


def _grant_out(g) -> dict:
    return {
        "id": g.pk, "email": g.user.email, "organization": g.organization.name if g.organization else None,
        "granted_at": g.granted_at, "expires_at": g.expires_at, "revoked_at": g.revoked_at,
        "active": g.is_active(), "request_id": g.request_id,
    }  # fmt: skip


class RequestFilter(PageParams):
    status: str | None = None


@api.get(
    "/staff/access-requests", auth=READ, response={200: AccessRequestPage, **STAFF_ERRORS}, tags=["staff"],
    url_name="staff_requests", summary="List access requests (scope: read)",
)  # fmt: skip
def access_request_list(request, params: Query[RequestFilter]):
    requests = AccessRequest.objects.select_related("user", "organization", "decided_by").order_by("-created_at")
    if params.status:
        if params.status not in RequestStatus.values:
            raise HttpError(400, _("status is one of %(values)s.") % {"values": ", ".join(RequestStatus.values)})
        requests = requests.filter(status=params.status)
    return paginate(request, requests, params, _request_out)


class ApproveIn(Schema):
    days: int | None = None


class DenyIn(Schema):
    reason: str


class RevokeIn(Schema):
    reason: str


def _form_errors(form) -> str:
    return " ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())


@api.post(
    "/staff/access-requests/{request_id}/approve", auth=MANAGE,
    response={200: GrantOut, 400: Error, 409: Error, **STAFF_ERRORS}, tags=["staff"],
    summary="Approve a pending request (scope: manage_access)",
)  # fmt: skip
def access_request_approve(request, request_id: int, payload: ApproveIn):
    access_request = get_object_or_404(AccessRequest, pk=request_id)
    form = ApproveForm({"days": payload.days or ""})
    if not form.is_valid():
        return Status(400, {"detail": _form_errors(form)})
    try:
        grant = approve(
            access_request=access_request, reviewer=request.user, days=form.cleaned_data["days"], request=request
        )
    except ValidationError as exc:
        return Status(409, {"detail": " ".join(exc.messages)})
    return Status(200, _grant_out(grant))


@api.post(
    "/staff/access-requests/{request_id}/deny", auth=MANAGE,
    response={200: AccessRequestOut, 400: Error, 409: Error, **STAFF_ERRORS}, tags=["staff"],
    summary="Deny a pending request, saying why (scope: manage_access)",
)  # fmt: skip
def access_request_deny(request, request_id: int, payload: DenyIn):
    access_request = get_object_or_404(AccessRequest, pk=request_id)
    form = DenyForm({"reason": payload.reason})
    if not form.is_valid():
        return Status(400, {"detail": _form_errors(form)})
    try:
        decided = deny(
            access_request=access_request, reviewer=request.user, reason=form.cleaned_data["reason"], request=request
        )
    except ValidationError as exc:
        code = 409 if exc.code == "decided" else 400
        return code, {"detail": " ".join(exc.messages)}
    return Status(200, _request_out(decided))


class GrantFilter(PageParams):
    active: bool | None = None


@api.get(
    "/staff/grants", auth=READ, response={200: GrantPage, **STAFF_ERRORS}, tags=["staff"],
    summary="List access grants (scope: read)",
)  # fmt: skip
def grant_list(request, params: Query[GrantFilter]):
    grants = AccessGrant.objects.select_related("user", "organization").order_by("-granted_at")
    if params.active is True:
        grants = grants.active()
    elif params.active is False:
        grants = grants.exclude(pk__in=AccessGrant.objects.active().values("pk"))
    return paginate(request, grants, params, _grant_out)


@api.post(
    "/staff/grants/{grant_id}/revoke", auth=MANAGE, response={200: GrantOut, 400: Error, **STAFF_ERRORS},
    tags=["staff"], summary="Revoke a grant, saying why (scope: manage_access)",
)  # fmt: skip
def grant_revoke(request, grant_id: int, payload: RevokeIn):
    grant = get_object_or_404(AccessGrant, pk=grant_id)
    form = RevokeForm({"reason": payload.reason})
    if not form.is_valid():
        return Status(400, {"detail": _form_errors(form)})
    return Status(
        200, _grant_out(revoke(grant=grant, actor=request.user, reason=form.cleaned_data["reason"], request=request))
    )


class InvitationIn(Schema):
    email: str
    organization_id: int | None = None
    days: int | None = None
    nda_required: bool = True
    message: str = ""


class InvitationOut(Schema):
    id: int
    email: str
    organization: str | None
    grant_days: int
    nda_required: bool
    expires_at: datetime.datetime


@api.post(
    "/staff/invitations", auth=MANAGE, response={201: InvitationOut, 400: Error, **STAFF_ERRORS}, tags=["staff"],
    summary="Invite an email address with pre-approved access (scope: manage_access)",
)  # fmt: skip
def invitation_create(request, payload: InvitationIn):
    """The invitation is emailed to the address, with a link that works once."""
    form = InvitationForm(
        {
            "email": payload.email, "organization": payload.organization_id or "", "days": payload.days or "",
            "message": payload.message, **({"nda_required": "on"} if payload.nda_required else {}),
        }
    )  # fmt: skip
    if not form.is_valid():
        return Status(400, {"detail": _form_errors(form)})
    data = form.cleaned_data
    invitation, _link = invitation_send(
        email=data["email"], actor=request.user, organization=data["organization"], days=data["days"],
        nda_required=data["nda_required"], message=data["message"], request=request,
    )  # fmt: skip
    return Status(201, {
        "id": invitation.pk, "email": invitation.email,
        "organization": invitation.organization.name if invitation.organization else None,
        "grant_days": invitation.grant_days, "nda_required": invitation.nda_required,
        "expires_at": invitation.expires_at,
    })  # fmt: skip


# Staff: questionnaires -----------------------------------------------------------------------


class QuestionnaireOut(Schema):
    id: int
    name: str
    status: str
    question_count: int
    processed_count: int
    sheet: str  # the sheet chosen (guessed) for the questions
    sheets: list[str]  # every sheet answered, in the workbook's order
    created_at: datetime.datetime
    download_xlsx: str | None
    download_csv: str | None


def _questionnaire_out(request, q) -> dict:
    ready = q.status == QuestionnaireStatus.READY

    def link(fmt):
        return _absolute(request, reverse("api_v1:staff_questionnaire_file", args=[q.pk, fmt])) if ready else None

    return {
        "id": q.pk, "name": q.name, "status": q.status, "question_count": q.question_count,
        "processed_count": q.processed_count, "sheet": q.sheet_name, "sheets": q.sheet_names,
        "created_at": q.created_at,
        "download_xlsx": link("xlsx"), "download_csv": link("csv"),
    }  # fmt: skip


@api.post(
    "/staff/questionnaires", auth=QUESTIONNAIRES, response={201: QuestionnaireOut, 400: Error, **STAFF_ERRORS},
    tags=["staff"], summary="Upload a questionnaire (XLSX or CSV) to be answered (scope: questionnaires)",
)  # fmt: skip
def questionnaire_upload(request, file: File[UploadedFile]):
    """The file is read and answered in the background, with the sheet and question column
    guessed as on the upload page. Poll the status until it is `ready` (or `failed`), then
    download the answered file."""
    form = UploadForm({}, {"file": file})
    if not form.is_valid():
        return Status(400, {"detail": _form_errors(form)})
    upload_file = form.cleaned_data["file"]
    try:
        with transaction.atomic():
            questionnaire = upload(data=upload_file.read(), filename=upload_file.name, actor=request.user, answer=True)
            audit_record(
                kind="questionnaire.uploaded", request=request, subject=f"questionnaire:{questionnaire.pk}",
                data={"name": questionnaire.name, "size": upload_file.size},
            )  # fmt: skip
    except (ImportError_, ValidationError) as exc:
        return Status(400, {"detail": " ".join(getattr(exc, "messages", [str(exc)]))})
    questionnaire.refresh_from_db()
    return Status(201, _questionnaire_out(request, questionnaire))


@api.get(
    "/staff/questionnaires/{questionnaire_id}", auth=QUESTIONNAIRES, response={200: QuestionnaireOut, **STAFF_ERRORS},
    tags=["staff"], url_name="staff_questionnaire", summary="A questionnaire's status (scope: questionnaires)",
)  # fmt: skip
def questionnaire_status(request, questionnaire_id: int):
    return _questionnaire_out(request, get_object_or_404(Questionnaire, pk=questionnaire_id))


@api.get(
    "/staff/questionnaires/{questionnaire_id}/answered.{fmt}", auth=QUESTIONNAIRES,
    response={200: None, 409: Error, **STAFF_ERRORS}, tags=["staff"], url_name="staff_questionnaire_file",
    summary="Download the answered questionnaire, xlsx or csv (scope: questionnaires)",
)  # fmt: skip
def questionnaire_file(request, questionnaire_id: int, fmt: str):
    if fmt not in ("xlsx", "csv"):
        raise HttpError(404, _("Choose answered.xlsx or answered.csv."))
    questionnaire = get_object_or_404(Questionnaire, pk=questionnaire_id)
    if questionnaire.status != QuestionnaireStatus.READY:
        return Status(
            409, {"detail": _("The questionnaire is not ready yet (status: %(s)s).") % {"s": questionnaire.status}}
        )
    data, content_type, filename = questionnaire_export(questionnaire=questionnaire, fmt=fmt)
    audit_record(
        kind="questionnaire.exported", request=request, subject=f"questionnaire:{questionnaire.pk}",
        data={"name": questionnaire.name, "format": fmt, "via": "api"},
    )  # fmt: skip
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Staff: audit log ----------------------------------------------------------------------------


class AuditEventOut(Schema):
    seq: int
    created_at: datetime.datetime
    kind: str
    actor_email: str
    subject: str
    data: dict
    ip: str | None
    hash: str


class AuditEventPage(PageOut):
    results: list[AuditEventOut]


class AuditFilter(PageParams):
    kind: str | None = None
    actor: str | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


@api.get(
    "/staff/audit-events", auth=READ, response={200: AuditEventPage, 400: Error, **STAFF_ERRORS}, tags=["staff"],
    summary="Read the audit log, newest first, with the audit page's filters (scope: read)",
)  # fmt: skip
def audit_event_list(request, params: Query[AuditFilter]):
    form = AuditFilterForm(
        {k: v for k, v in params.dict().items() if k in ("kind", "actor", "date_from", "date_to") and v is not None}
    )
    if not form.is_valid():
        return Status(400, {"detail": _form_errors(form)})
    events = form.filter(AuditEvent.objects.order_by("-seq"))

    def out(e):
        return {
            "seq": e.seq, "created_at": e.created_at, "kind": e.kind, "actor_email": e.actor_email,
            "subject": e.subject, "data": e.data, "ip": e.ip, "hash": e.hash,
        }  # fmt: skip

    return paginate(request, events, params, out)
