from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from trustcenter.documents.forms import DocumentAdminForm
from trustcenter.documents.models import Document
from trustcenter.documents.services import document_save_upload


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    form = DocumentAdminForm
    list_display = ["title", "kind", "framework", "visibility", "issued", "expires", "listed", "pages", "file_size"]
    list_filter = ["kind", "visibility", "listed"]
    search_fields = ["title", "framework", "description"]
    date_hierarchy = "issued"
    fieldsets = [
        (None, {"fields": ["title", "kind", "framework", "visibility", "listed", "description"]}),
        (_("Dates"), {"fields": ["period_start", "period_end", "issued", "expires"]}),
        (_("File"), {"fields": ["file", "sha256", "file_size", "page_count", "uploaded_at", "uploaded_by"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["sha256", "file_size", "page_count", "uploaded_at", "uploaded_by"]
        # The stored original never changes: a new file is a new document (the newer one
        # replaces the older in the list), so downloads and audit rows stay traceable.
        return ["stored_file", *fixed] if obj is not None else fixed

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [
            (name, {**opts, "fields": ["stored_file" if f == "file" else f for f in opts["fields"]]})
            for name, opts in fieldsets
        ]

    @admin.display(description=_("file"))
    def stored_file(self, obj):
        # Never a link into storage: files are only sent by the download view, which asks the access rule.
        url = reverse("documents:download", args=[obj.pk])
        return format_html('{} · <a href="{}">{}</a>', obj.file.name, url, _("Download (watermarked when under NDA)"))

    @admin.display(description=_("pages"), ordering="page_count")
    def pages(self, obj):
        return obj.page_count

    @admin.display(description=_("size"), ordering="size")
    def file_size(self, obj):
        return filesizeformat(obj.size) if obj.size is not None else "-"

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        document_save_upload(document=obj, upload=form.cleaned_data["file"], facts=form.pdf_facts, actor=request.user)

    def delete_model(self, request, obj):
        storage, name = obj.file.storage, obj.file.name
        super().delete_model(request, obj)
        storage.delete(name)
