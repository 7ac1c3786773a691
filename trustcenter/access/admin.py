from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from trustcenter.access.models import (
    AccessGrant,
    AccessRequest,
    Invitation,
    NdaSignature,
    NdaVersion,
    Organization,
    OrganizationDomain,
)


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
        (_("Access"), {"fields": ["auto_approve", "grant_days", "nda_on_file", "nda_on_file_note", "blocked"]}),
        (_("Single sign-on"), {"fields": ["identity_provider"]}),
    ]

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
