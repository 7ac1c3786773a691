from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from trustcenter.access.models import MAX_GRANT_DAYS, Organization, scope_kind_choices
from trustcenter.access.services import ALL_MATERIAL, Scope
from trustcenter.documents.models import Document


class ScopeFields(forms.Form):
    """All NDA material, or chosen kinds and documents: what a request asks for, what a grant covers."""

    everything = forms.ChoiceField(
        label=_("Scope"),
        choices=[("all", _("All documents and policies under NDA")), ("chosen", _("Only what I choose below"))],
        required=False,  # left out: everything for a request, what was asked for on approval
        widget=forms.RadioSelect,
    )
    kinds = forms.MultipleChoiceField(
        label=_("Kinds"), required=False, choices=scope_kind_choices, widget=forms.CheckboxSelectMultiple
    )
    documents = forms.ModelMultipleChoiceField(
        label=_("Documents"),
        required=False,
        queryset=Document.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["documents"].queryset = Document.objects.listed().filter(visibility="nda").order_by("title")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("everything") == "chosen" and not cleaned.get("kinds") and not cleaned.get("documents"):
            raise forms.ValidationError(_("Choose at least one kind or document, or all NDA material."))
        return cleaned

    def scope(self) -> Scope | None:
        """The chosen scope, or None when the form did not say."""
        choice = self.cleaned_data.get("everything")
        if not choice:
            return None
        if choice == "all":
            return ALL_MATERIAL
        return Scope(False, tuple(self.cleaned_data["kinds"]), tuple(self.cleaned_data["documents"]))

    @staticmethod
    def initial_for(scoped) -> dict:
        """Initial values showing the scope of a request (or grant)."""
        if scoped.all_material:
            return {"everything": "all"}
        return {"everything": "chosen", "kinds": scoped.kinds, "documents": [d.pk for d in scoped.documents.all()]}


class NdaSignForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    company = forms.CharField(label=_("Company"), max_length=200)
    job_title = forms.CharField(label=_("Job title"), max_length=200)
    consent = forms.BooleanField(
        label=_("I have read this agreement and accept it on behalf of the company named above."),
        error_messages={"required": _("Tick the box to accept the agreement; without it nothing is signed.")},
    )
    # The fingerprint of the text this page showed, so a signature always names the text its signer read.
    shown_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)


class AccessRequestForm(ScopeFields):
    reason = forms.CharField(
        label=_("Why do you need the documents? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ApproveForm(ScopeFields):
    days = forms.IntegerField(
        label=_("Days"), required=False, min_value=1, max_value=MAX_GRANT_DAYS,
        help_text=_("Empty: the organization's length, or the site default."),
        error_messages={"min_value": _("Enter a number of days between 1 and %(max)s.") % {"max": MAX_GRANT_DAYS},
                        "max_value": _("Enter a number of days between 1 and %(max)s.") % {"max": MAX_GRANT_DAYS}},
    )  # fmt: skip


class DenyForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class OrganizationCreateForm(forms.Form):
    name = forms.CharField(label=_("Organization name"), max_length=200)
    domain = forms.CharField(label=_("Email domain"), max_length=253)


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.filter(blocked=False),
        required=False,
        empty_label=_("No organization"),
    )
    days = forms.IntegerField(
        label=_("Access for (days)"), required=False, min_value=1, max_value=MAX_GRANT_DAYS,
        help_text=_("Empty: the organization's length, or the site default."),
    )  # fmt: skip
    nda_required = forms.BooleanField(
        label=_("The recipient must sign the NDA first"),
        required=False,
        initial=True,
        help_text=_("Untick only when a signed NDA already exists outside this site."),
    )
    message = forms.CharField(
        label=_("Personal message (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # labels as on the other forms, without a colon
        super().__init__(*args, **kwargs)


class InvitationSignupForm(forms.Form):
    """Create the account an invitation was sent to: the link itself proves the email address."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    company = forms.CharField(label=_("Company"), max_length=200)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label=_("Password (again)"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email: str, **kwargs):
        kwargs.setdefault("label_suffix", "")  # labels as on the other forms, without a colon
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            from django.contrib.auth import get_user_model

            candidate = get_user_model()(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned
