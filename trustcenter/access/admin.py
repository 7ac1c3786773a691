from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from trustcenter.access.models import (
    AccessGrant,
    AccessRequest,
    Invitation,
    Membership,
    NdaSignature,
    NdaVersion,
    Organization,
    OrganizationDomain,
)
from trustcenter.access.services import membership_move


class ReadOnlyAdmin(admin.ModelAdmin):
    """Evidence and decisions are made through the app's own pages and services, never edited here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NdaVersion)
class NdaVersionAdmin(ReadOnlyAdmin):
    list_display = ["version", "title", "effective", "published_at", "text_sha256"]
    fields = ["version", "title", "effective", "text_sha256", "source", "published_at", "published_by", "body_markdown"]


@admin.register(NdaSignature)
class NdaSignatureAdmin(ReadOnlyAdmin):
    list_display = ["full_name", "email", "company", "job_title", "nda", "signed_at", "ip"]
    list_filter = ["nda"]
    search_fields = ["full_name", "email", "company"]
    date_hierarchy = "signed_at"


class OrganizationDomainInline(admin.TabularInline):
    model = OrganizationDomain
    extra = 1


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "domain_list", "auto_approve", "grant_days", "nda_on_file", "blocked"]
    list_filter = ["auto_approve", "nda_on_file", "blocked"]
    search_fields = ["name", "domains__domain"]
    inlines = [OrganizationDomainInline]
    fieldsets = [
        (None, {"fields": ["name", "notes"]}),
        (
            _("Access"),
            {
                "fields": [
                    "auto_approve",
                    "auto_approve_all",
                    "auto_approve_kinds",
                    "auto_approve_documents",
                    "grant_days",
                    "nda_on_file",
                    "nda_on_file_note",
                    "blocked",
                ]
            },
        ),
        (_("Single sign-on"), {"fields": ["identity_provider"]}),
    ]
    filter_horizontal = ["auto_approve_documents"]

    @admin.display(description=_("email domains"))
    def domain_list(self, obj):
        return ", ".join(d.domain for d in obj.domains.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("domains")


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyAdmin):
    list_display = ["user", "organization", "status", "created_at", "decided_by", "decided_at", "auto_approved"]
    list_filter = ["status", "auto_approved"]
    search_fields = ["user__email"]


@admin.register(AccessGrant)
class AccessGrantAdmin(ReadOnlyAdmin):
    list_display = ["user", "organization", "granted_at", "expires_at", "revoked_at", "nda_required", "review_link"]
    list_filter = ["nda_required"]
    search_fields = ["user__email"]

    @admin.display(description=_("revoke"))
    def review_link(self, obj):
        return format_html('<a href="{}#grant-{}">{}</a>', reverse("access:review"), obj.pk, _("in the review queue"))


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = [
        "email", "organization", "grant_days", "nda_required", "created_by", "created_at", "expires_at", "accepted_at",
    ]  # fmt: skip
    exclude = ["token_hash"]
    search_fields = ["email"]


class MembershipMoveForm(forms.ModelForm):
    """Move an account to another organization (or to none). The old binding ends; both are audited."""

    user = forms.ModelChoiceField(label=_("Account"), queryset=get_user_model().objects.all())
    organization = forms.ModelChoiceField(
        label=_("Move to"), queryset=Organization.objects.all(), required=False, empty_label=_("No organization")
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    class Meta:
        model = Membership
        fields = ["user"]

    def clean(self):
        cleaned = super().clean()
        user, organization = cleaned.get("user"), cleaned.get("organization")
        if user is not None and organization is None and not user.memberships.filter(ended_at__isnull=True).exists():
            raise forms.ValidationError(_("This account is not bound to an organization; there is nothing to end."))
        return cleaned


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Bindings are made by verified addresses; staff only move an account, with a reason, never edit a binding."""

    list_display = ["user", "organization", "source", "email", "bound_at", "ended_at", "ended_by"]
    list_filter = ["source", "organization"]
    search_fields = ["user__email", "organization__name", "email"]
    readonly_fields = ["user", "organization", "source", "email", "bound_at", "bound_by", "ended_at", "ended_by",
                       "end_reason"]  # fmt: skip

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = MembershipMoveForm
            kwargs["fields"] = ["user", "organization", "reason"]
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return ["user", "organization", "reason"] if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        moved = membership_move(
            user=form.cleaned_data["user"],
            organization=form.cleaned_data["organization"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
            request=request,
        )
        # The admin expects a saved object to link to; with "no organization" that is the ended binding.
        saved = moved or Membership.objects.filter(user=form.cleaned_data["user"]).first()
        if saved is not None:
            obj.pk = saved.pk
