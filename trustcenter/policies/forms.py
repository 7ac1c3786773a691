import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from trustcenter.lib.contentfiles import ContentError, ContentErrors
from trustcenter.lib.visibility import Visibility
from trustcenter.policies.models import Category
from trustcenter.policies.sources import PolicySource, parse_policy


class PolicyVersionForm(forms.Form):
    """Write a new version in the admin; validated by the same parser as `publish`."""

    slug = forms.SlugField(help_text=_("The page address: /policies/<slug>/. Fixed once published."))
    title = forms.CharField(max_length=200)
    category = forms.ModelChoiceField(queryset=Category.objects.all(), to_field_name="slug")
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(min_value=1)
    effective = forms.DateField(help_text=_("YYYY-MM-DD"), initial=datetime.date.today)
    reviewed = forms.DateField(help_text=_("YYYY-MM-DD"), initial=datetime.date.today)
    owner = forms.CharField(max_length=200)
    visibility = forms.ChoiceField(choices=Visibility.choices)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 28, "cols": 100, "class": "markdown-editor"}))

    def __init__(self, *args, fixed_slug: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_slug:
            self.fields["slug"].disabled = True
            self.initial["slug"] = fixed_slug

    def to_source(self) -> PolicySource:
        """Run the front-matter validation of `publish` on the form's values."""
        data = self.cleaned_data
        text = (
            "---\n"
            f"title: {_yaml_str(data['title'])}\n"
            f"category: {data['category'].slug}\n"
            f"summary: {_yaml_str(data['summary'])}\n"
            f"version: {data['version']}\n"
            f"effective: {data['effective'].isoformat()}\n"
            f"reviewed: {data['reviewed'].isoformat()}\n"
            f"owner: {_yaml_str(data['owner'])}\n"
            f"visibility: {data['visibility']}\n"
            "---\n" + data["body"].replace("\r\n", "\n")
        )
        categories = set(Category.objects.values_list("slug", flat=True))
        return parse_policy(text, path="admin", slug=data["slug"], categories=categories)

    def add_content_errors(self, exc: ContentError | ContentErrors) -> None:
        errors = exc.errors if isinstance(exc, ContentErrors) else [exc]
        for error in errors:
            self.add_error(None, error.message)


def _yaml_str(value: str) -> str:
    # JSON strings are valid YAML scalars and escape everything that matters.
    import json

    return json.dumps(" ".join(value.split()))
