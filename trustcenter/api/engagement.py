"""Engagement for sales: who signed, requested, read and downloaded what, per organization and account.

Read from the engagement log (EngagementEvent, fed from the audit log and gated page reads)
and the anonymous page counts; nothing here identifies an anonymous visitor.
"""

import csv
import datetime
from collections import Counter, defaultdict

from django import forms
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from trustcenter.access.models import Organization
from trustcenter.api import charts, counts
from trustcenter.api.models import EngagementEvent, PageViewCount
from trustcenter.core.decorators import staff_required
from trustcenter.questionnaires.exporting import csv_safe

COLUMNS = [
    ("nda.signed", gettext_lazy("NDA signed")),
    ("access.requested", gettext_lazy("Requests")),
    ("access.approved", gettext_lazy("Approved")),
    ("access.denied", gettext_lazy("Denied")),
    ("page.read", gettext_lazy("Gated pages read")),
    ("document.downloaded", gettext_lazy("Downloads")),
    ("invitation.sent", gettext_lazy("Invitations sent")),
    ("invitation.accepted", gettext_lazy("Invitations accepted")),
]


DATE = forms.DateInput(attrs={"type": "date"})


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=DATE)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned

    def period(self) -> tuple[datetime.date, datetime.date]:
        """The chosen days, by default the last 90 (to today)."""
        today = timezone.now().date()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("date_to") or today
        start = data.get("date_from") or end - datetime.timedelta(days=89)
        return start, end


def _events(start: datetime.date, end: datetime.date):
    begin = datetime.datetime.combine(start, datetime.time.min, tzinfo=datetime.UTC)
    stop = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC)
    return EngagementEvent.objects.filter(created_at__gte=begin, created_at__lt=stop).select_related("organization")


def _rows(events, key) -> list[dict]:
    """One row per organization or account: counts per kind, average hours to a decision, last activity."""
    rows: dict = {}
    for event in events:
        name = key(event)
        row = rows.setdefault(name, {"name": name, "counts": Counter(), "hours": [], "last": event.created_at,
                                     "organization": event.organization})  # fmt: skip
        row["counts"][event.kind] += 1
        row["last"] = max(row["last"], event.created_at)
        if "hours_to_decision" in event.detail:
            row["hours"].append(event.detail["hours_to_decision"])
    result = []
    for row in rows.values():
        row["cells"] = [row["counts"][kind] for kind, _label in COLUMNS]
        row["decision_hours"] = round(sum(row["hours"]) / len(row["hours"]), 1) if row["hours"] else None
        result.append(row)
    return sorted(result, key=lambda r: r["last"], reverse=True)


def _org_name(event) -> str:
    return event.organization.name if event.organization else _("No organization")


@require_safe
@never_cache
@staff_required
def summary(request):
    counts.flush()
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    events = list(_events(start, end))
    pages = PageViewCount.objects.filter(day__gte=start, day__lte=end)
    per_day = defaultdict(int)
    per_page = Counter()
    for row in pages:
        per_day[row.day] += row.count
        per_page[row.path] += row.count
    days = [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
    series = [(day, per_day.get(day, 0)) for day in days]
    chart = charts.bar_chart(
        title=_("Anonymous page views per day"),
        description=_(
            "Page views by visitors who were not signed in, %(start)s to %(end)s; the table below has the numbers."
        )
        % {"start": start.isoformat(), "end": end.isoformat()},
        series=[(day.strftime("%m-%d"), value) for day, value in series],
    )
    context = {
        "form": form,
        "start": start,
        "end": end,
        "columns": [label for _kind, label in COLUMNS],
        "organizations": _rows(events, _org_name),
        "accounts": _rows(events, lambda e: e.email or _("unknown")),
        "chart": chart,
        "series": [s for s in series if s[1]],  # the chart shows the empty days
        "top_pages": per_page.most_common(20),
        "query": request.GET.urlencode(),
    }
    return render(request, "api/engagement.html", context)


class _Echo:
    def write(self, value):
        return value


@require_safe
@never_cache
@staff_required
def summary_csv(request):
    """The per-account table as CSV; no cell can be read as a formula by a spreadsheet."""
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    rows = _rows(list(_events(start, end)), lambda e: e.email or "")
    writer = csv.writer(_Echo())
    kinds = [kind for kind, _label in COLUMNS]
    header = ["account", "organization", *kinds, "avg_hours_to_decision", "last_activity_utc"]

    def lines():
        yield writer.writerow(header)
        for row in rows:
            organization = row["organization"].name if row["organization"] else ""
            cells = [row["name"], organization, *row["cells"], row["decision_hours"], row["last"].isoformat()]
            yield writer.writerow([csv_safe(cell) for cell in cells])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="engagement-{start}-{end}.csv"'
    return response


@require_safe
@never_cache
@staff_required
def organization_timeline(request, pk):
    organization = get_object_or_404(Organization, pk=pk)
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    events = list(_events(start, end).filter(organization=organization).order_by("-created_at"))
    per_day = Counter(timezone.localtime(e.created_at).date() for e in events)
    days = [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
    series = [(day, per_day.get(day, 0)) for day in days]
    chart = charts.bar_chart(
        title=_("Activity of %(org)s per day") % {"org": organization.name},
        description=_(
            "Signatures, requests, reads and downloads per day, %(start)s to %(end)s; the timeline lists each."
        )
        % {"start": start.isoformat(), "end": end.isoformat()},
        series=[(day.strftime("%m-%d"), value) for day, value in series],
    )
    context = {
        "organization": organization,
        "form": form,
        "events": events,
        "accounts": _rows(events, lambda e: e.email or _("unknown")),
        "columns": [label for _kind, label in COLUMNS],
        "chart": chart,
        "series": [s for s in series if s[1]],
        "start": start,
        "end": end,
    }
    return render(request, "api/engagement_organization.html", context)
