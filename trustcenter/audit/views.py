"""The audit log for staff: filter, page through, export as CSV."""

import csv
import datetime
import json

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from trustcenter.audit.forms import AuditFilterForm
from trustcenter.audit.models import AuditEvent
from trustcenter.core.decorators import staff_required

PAGE_SIZE = 50
# A spreadsheet reads a cell starting with one of these as a formula (or, for tab and CR,
# may strip them and read what follows). Prefixing a single quote makes it plain text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _filtered(request):
    form = AuditFilterForm(request.GET or None)
    events = form.filter(AuditEvent.objects.order_by("-seq"))
    return form, events


@require_safe
@never_cache
@staff_required
def event_list(request):
    form, events = _filtered(request)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/list.html",
        {"form": form, "page": page, "query": query.urlencode(), "export_query": query.urlencode()},
    )


class _Echo:
    def write(self, value):
        return value


@require_safe
@never_cache
@staff_required
def event_export(request):
    _form, events = _filtered(request)
    writer = csv.writer(_Echo())
    header = [
        "seq",
        "created_at_utc",
        "kind",
        "actor_email",
        "actor_id",
        "ip",
        "user_agent",
        "subject",
        "data",
        "prev_hash",
        "hash",
    ]

    def rows():
        yield writer.writerow(header)
        for event in events.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    csv_safe(cell)
                    for cell in (
                        event.seq,
                        event.created_at.astimezone(datetime.UTC).isoformat(),
                        event.kind,
                        event.actor_email,
                        event.actor_id or "",
                        event.ip or "",
                        event.user_agent,
                        event.subject,
                        json.dumps(event.data, sort_keys=True, ensure_ascii=False),
                        event.prev_hash,
                        event.hash,
                    )
                ]
            )

    filename = f"audit-{timezone.now():%Y-%m-%d}.csv"
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
