from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from trustcenter.api.models import Scope, WebhookEvent


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What uses it, e.g. “CRM sync”."))
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one scope.")},
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built here so the limit follows the setting.
        self.fields["days"] = forms.IntegerField(
            label=_("Expires after (days)"), min_value=1, max_value=settings.API_TOKEN_MAX_DAYS, initial=90
        )


class WebhookForm(forms.Form):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https", help_text=_("An https:// address."))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )  # fmt: skip
