import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from trustcenter.audit.models import AuditEvent


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    actor = forms.CharField(label=_("Actor email contains"), required=False, max_length=254)
    date_from = forms.DateField(
        label=_("From (UTC date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To (UTC date)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = AuditEvent.objects.order_by("kind").values_list("kind", flat=True).distinct()
        self.fields["kind"].choices = [("", _("All kinds"))] + [(k, k) for k in kinds]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned

    def filter(self, queryset):
        """The events matching the valid filters (all events when the form is unbound or invalid)."""
        if not self.is_bound or not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["kind"]:
            queryset = queryset.filter(kind=data["kind"])
        if data["actor"]:
            queryset = queryset.filter(actor_email__icontains=data["actor"].strip())
        if data["date_from"]:
            start = datetime.datetime.combine(data["date_from"], datetime.time.min, tzinfo=datetime.UTC)
            queryset = queryset.filter(created_at__gte=start)
        if data["date_to"]:
            end = datetime.datetime.combine(
                data["date_to"] + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC
            )
            queryset = queryset.filter(created_at__lt=end)
        return queryset
