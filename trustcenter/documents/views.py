from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from trustcenter.access.rules import decide
from trustcenter.documents.models import Document
from trustcenter.ratelimit import enforce


def _needs(document: Document) -> str:
    if document.is_public:
        return _("Public: no account needed.")
    return _("Under NDA: sign in with a verified email address, sign the NDA and get access approved.")


@require_safe
def document_list(request):
    """Every listed document, what it needs, and (signed in) where this user stands."""
    items = []
    for document in Document.objects.listed().order_by("kind", "framework", "-issued"):
        decision = decide(request.user, document)
        items.append(
            {
                "document": document,
                "needs": _needs(document),
                "allowed": decision.allowed,
                "next_step": decision.next_step,
            }
        )
    return render(request, "documents/list.html", {"documents": items})


def _get_document_for_download(request, pk: int):
    """404 for documents this user may not know about; PermissionDenied (with the decision) if not readable."""
    document = get_object_or_404(Document.objects.visible_to(request.user), pk=pk)
    decision = decide(request.user, document)
    if not decision.allowed:
        raise PermissionDenied(decision)
    return document, decision


def _refused(request, document, decision):
    return render(request, "documents/refused.html", {"document": document, "decision": decision}, status=403)


@require_safe
@never_cache
def download(request, pk):
    """Send a document as an attachment, after asking the access rule on every request."""
    document = get_object_or_404(Document.objects.visible_to(request.user), pk=pk)
    decision = decide(request.user, document)
    if not decision.allowed:
        return _refused(request, document, decision)
    enforce(request, "download_user", key="user_or_ip")
    with document.file.open("rb") as handle:
        data = handle.read()
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.download_filename()}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
