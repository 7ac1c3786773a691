"""The admin's view of authenticators: list and delete only, never the secrets."""

from allauth.mfa.models import Authenticator
from django.contrib import admin

from trustcenter.audit.services import audit_record

admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    """A security admin removes a lost authenticator so its owner can set up a new one.

    allauth's own admin shows the TOTP secret and recovery-code seed; this one shows who
    has which kind and when it was used, and records every removal in the audit log.
    """

    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    search_fields = ["user__email"]
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        audit_record(
            kind="mfa.removed_by_staff",
            request=request,
            subject=f"user:{obj.user_id}",
            data={"type": obj.type, "owner": obj.user.email},
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
