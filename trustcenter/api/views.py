"""Staff pages of the API app: personal tokens, webhook endpoints and their deliveries, engagement;
and the API's own documentation page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trustcenter.api.deliveries import webhook_message_resend
from trustcenter.api.forms import TokenForm, WebhookForm
from trustcenter.api.models import ApiToken, WebhookEndpoint, WebhookMessage
from trustcenter.api.routes import api
from trustcenter.api.services import (
    api_token_create,
    api_token_revoke,
    webhook_endpoint_create,
    webhook_endpoint_set_enabled,
)
from trustcenter.core.decorators import staff_required

# Tokens ------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@staff_required
def token_list(request):
    created = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, created = api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                days=form.cleaned_data["days"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    status = 400 if request.method == "POST" and created is None else 200
    return render(request, "api/tokens.html", {"form": form, "tokens": tokens, "created": created}, status=status)


@require_POST
@staff_required
def token_revoke(request, pk):
    # Only the owner's own tokens: another user's token id is a 404.
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token, actor=request.user, request=request)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("api:tokens")


# Webhooks ----------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@staff_required
def webhook_list(request):
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhook_endpoint_create(
                owner=request.user,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error("url" if hasattr(exc, "error_dict") else None, exc.messages)
        else:
            messages.success(request, _("Webhook endpoint added. Copy its signing secret to your receiver."))
            return redirect("api:webhook_detail", endpoint.pk)
    endpoints = WebhookEndpoint.objects.select_related("owner")
    status = 400 if request.method == "POST" else 200
    return render(request, "api/webhooks.html", {"form": form, "endpoints": endpoints}, status=status)


def _get_endpoint(request, pk) -> WebhookEndpoint:
    # Endpoints are the team's shared integrations: every member may see and manage them.
    return get_object_or_404(WebhookEndpoint.objects.select_related("owner"), pk=pk)


@require_safe
@never_cache
@staff_required
def webhook_detail(request, pk):
    endpoint = _get_endpoint(request, pk)
    messages_ = endpoint.messages.prefetch_related("attempts")[:50]
    return render(request, "api/webhook_detail.html", {"endpoint": endpoint, "webhook_messages": messages_})


@require_POST
@staff_required
def webhook_toggle(request, pk):
    endpoint = _get_endpoint(request, pk)
    webhook_endpoint_set_enabled(endpoint=endpoint, enabled=not endpoint.enabled, actor=request.user, request=request)
    return redirect("api:webhook_detail", endpoint.pk)


@require_POST
@staff_required
def webhook_resend(request, pk, msg_id):
    endpoint = _get_endpoint(request, pk)
    message = get_object_or_404(WebhookMessage, endpoint=endpoint, msg_id=msg_id)
    webhook_message_resend(message=message, actor=request.user, request=request)
    messages.success(request, _("Message %(id)s sent again.") % {"id": message.msg_id})
    return redirect("api:webhook_detail", endpoint.pk)


# API documentation ---------------------------------------------------------------------------


@require_safe
def api_docs(request):
    """The API reference, rendered on the server from the OpenAPI schema: no script, no CDN."""
    schema = api.get_openapi_schema()
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": operation.get("parameters", []),
                    "has_body": "requestBody" in operation,
                    "responses": sorted(operation.get("responses", {})),
                    "security": bool(operation.get("security")),
                    "tag": (operation.get("tags") or [""])[0],
                }
            )
    return render(request, "api/docs.html", {"schema": schema, "operations": operations})
