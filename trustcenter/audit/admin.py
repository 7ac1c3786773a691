from django.contrib import admin

from trustcenter.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is evidence; nobody adds, edits or deletes rows here."""

    list_display = ["seq", "created_at", "kind", "actor_email", "subject", "ip"]
    list_filter = ["kind"]
    search_fields = ["actor_email", "subject", "kind"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
