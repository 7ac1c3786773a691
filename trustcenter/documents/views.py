import secrets

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from trustcenter.access import rules
from trustcenter.access.models import NdaSignature, organization_for
from trustcenter.audit.services import audit_record
from trustcenter.documents.models import Document
from trustcenter.lib.ratelimit import enforce
from trustcenter.lib.watermark import watermark_pdf

# Crockford's base32 without I, L, O, U: easy to read aloud and to type from a printed page.
_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

STATE_CLASSES = {rules.PUBLIC: "badge-public", rules.GRANTED: "badge-ok", rules.STAFF: "badge-ok"}


def _needs(document: Document) -> str:
    if document.is_public:
        return _("Public: no account needed.")
    return _("Under NDA: sign in with a verified email address, sign the NDA and get access approved.")


def _state(decision) -> str:
    if decision.reason == rules.GRANTED and decision.grant is not None:
        return _("You have access until %(date)s") % {
            "date": timezone.localtime(decision.grant.expires_at).strftime("%Y-%m-%d")
        }
    if decision.reason == rules.STAFF:
        return _("Staff access")
    return str(rules.STATE_LABELS.get(decision.reason, ""))


@require_safe
def document_list(request):
    """Every listed document, what it needs, and (signed in) where this user stands."""
    standing = rules.standing(request.user, next_url=request.get_full_path())
    signed_in = request.user.is_authenticated
    items = []
    for document in Document.objects.listed().order_by("kind", "framework", "-issued"):
        decision = rules.decide_with(standing, document)
        items.append(
            {
                "document": document,
                "needs": _needs(document),
                "allowed": decision.allowed,
                "next_step": decision.next_step,
                "state": _state(decision) if signed_in and not document.is_public else "",
                "state_class": STATE_CLASSES.get(decision.reason, "badge-wait"),
            }
        )
    return render(request, "documents/list.html", {"documents": items})


def new_download_id() -> str:
    raw = "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def _recipient_company(user) -> str:
    if user.company:
        return user.company
    signature = NdaSignature.objects.filter(user=user).order_by("-signed_at").first()
    if signature is not None:
        return signature.company
    organization = organization_for(user)
    return organization.name if organization else ""


def _attachment(document: Document, data: bytes, today) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.download_filename(today)}"'
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
@never_cache
def download(request, pk):
    """Send a document as an attachment, after asking the access rule on every request.

    Gated documents are stamped on every page with the recipient and a download id that is
    recorded in the audit log; the stored original is never changed. Public downloads are
    recorded too (without a stamp). Documents a user may not know about are 404; known but
    refused ones get a page saying what to do next. HEAD answers the same status and
    headers, and stamps and records nothing: no copy leaves the server.
    """
    document = get_object_or_404(Document.objects.visible_to(request.user), pk=pk)
    decision = rules.decide(request.user, document, next_url=request.get_full_path())
    head = request.method == "HEAD"
    if not decision.allowed:
        if head:
            return render(request, "documents/refused.html", {"document": document, "decision": decision}, status=403)
        if not request.user.is_authenticated:
            # Anonymous refusals count per IP, so no one can fill the audit log without an account.
            enforce(request, "download_user", key="ip")
        audit_record(
            kind="document.download_refused",
            request=request,
            subject=f"document:{document.pk}",
            data={"document": document.title, "reason": decision.reason},
        )
        return render(request, "documents/refused.html", {"document": document, "decision": decision}, status=403)
    today = timezone.localdate()
    if head:
        return _attachment(document, b"", today)
    enforce(request, "download_user", key="user_or_ip")
    with document.file.open("rb") as handle:
        data = handle.read()
    if document.is_public:
        audit_record(
            kind="document.downloaded_public",
            request=request,
            subject=f"document:{document.pk}",
            data={"document": document.title, "sha256": document.sha256},
        )
        return _attachment(document, data, today)
    user = request.user
    download_id = new_download_id()
    lines = [
        f"{user.get_full_name()} <{user.email}>",
        _recipient_company(user) or "-",
        _("Downloaded %(date)s") % {"date": today.isoformat()},
    ]
    # The reader's lines are drawn once and kept; only the id is new for each download.
    data = watermark_pdf(data, lines=lines, mark=_("Download %(id)s") % {"id": download_id})
    with transaction.atomic():
        audit_record(
            kind="document.downloaded",
            request=request,
            subject=f"document:{document.pk}",
            data={
                "download_id": download_id,
                "document": document.title,
                "sha256": document.sha256,
                "reason": decision.reason,
                "grant_id": decision.grant.pk if decision.grant else None,
            },
        )
    return _attachment(document, data, today)
