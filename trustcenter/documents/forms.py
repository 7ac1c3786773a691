from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from trustcenter.documents.models import Document
from trustcenter.documents.pdf import inspect_pdf, max_upload_bytes


class DocumentAdminForm(forms.ModelForm):
    """The admin form: the file must be a readable, unencrypted PDF of at most 50 MB."""

    class Meta:
        model = Document
        fields = [
            "title", "kind", "framework", "visibility", "listed", "description",
            "period_start", "period_end", "issued", "expires", "file",
        ]  # fmt: skip
        widgets = {"file": forms.FileInput(attrs={"accept": "application/pdf,.pdf"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pdf_facts = None
        if "file" in self.fields:
            self.fields["file"].help_text = _(
                "A PDF of at most %(limit)s, not password-protected. It is stored unchanged; every gated "
                "download is a watermarked copy."
            ) % {"limit": filesizeformat(max_upload_bytes())}

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None or not hasattr(upload, "read") or getattr(upload, "_committed", False):
            return upload
        limit = max_upload_bytes()
        if upload.size > limit:
            # Refuse before reading 50+ MB into memory.
            raise ValidationError(
                _("%(name)s is %(size)s; documents can be at most %(limit)s. Compress the PDF or split it.")
                % {"name": upload.name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
                code="too_big",
            )
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        self.pdf_facts = inspect_pdf(data, name=upload.name)
        return upload
