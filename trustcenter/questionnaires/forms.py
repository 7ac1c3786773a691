from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from trustcenter.questionnaires.importing import Sheet
from trustcenter.questionnaires.models import Answer
from trustcenter.questionnaires.services import citations_parse


class AnswerForm(forms.ModelForm):
    citations = forms.CharField(
        label=_("Citations"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line: the policy address and the section anchor, e.g. data-protection#encryption-at-rest "
            "(the part after # in a section link)."
        ),
    )

    class Meta:
        model = Answer
        fields = ["question", "short_answer", "full_answer", "category", "tags", "owner", "show_in_faq"]
        widgets = {
            "question": forms.Textarea(attrs={"rows": 2}),
            "full_answer": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args, can_approve: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.can_approve = can_approve
        if self.instance.pk and "citations" not in self.initial:
            self.initial["citations"] = "\n".join(
                f"{c.policy.slug}#{c.anchor}" for c in self.instance.citations.select_related("policy")
            )
        if not can_approve:
            # What the public FAQ shows is a security admin's decision.
            self.fields["show_in_faq"].disabled = True
            self.fields["show_in_faq"].help_text = _("Only a security admin can publish an answer in the FAQ.")

    def clean_citations(self):
        try:
            return citations_parse(self.cleaned_data["citations"])
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None

    def clean(self):
        cleaned = super().clean()
        approving = self.data.get("action") == "approve"
        if cleaned.get("show_in_faq") and not approving and not self.can_approve:
            cleaned["show_in_faq"] = self.instance.show_in_faq
        if cleaned.get("show_in_faq") and not approving:
            self.add_error("show_in_faq", _("Only approved answers appear in the public FAQ: use 'Save and approve'."))
        return cleaned


class AnswerSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("All answers")),
            ("approved", _("Approved")),
            ("draft", _("Drafts")),
            ("stale", _("Needing review")),
            ("faq", _("In the public FAQ")),
        ],
    )


class AskForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Questionnaire file"),
        help_text=_("An Excel workbook (.xlsx) or a CSV file, up to 2,000 questions."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
        error_messages={
            "empty": _("The file is empty. Export the questionnaire again and upload the new file."),
            "required": _("Choose the questionnaire file to upload."),
        },
    )

    def clean_file(self):
        from django.conf import settings

        upload = self.cleaned_data["file"]
        limit = settings.QUESTIONNAIRE_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise ValidationError(
                _("The file is %(size).1f MB; the limit is %(limit).0f MB. Remove other sheets or split it.")
                % {"size": upload.size / 1_048_576, "limit": limit / 1_048_576}
            )
        return upload


class ConfigureForm(forms.Form):
    sheet = forms.ChoiceField(label=_("Sheet"))
    question_column = forms.TypedChoiceField(label=_("Column with the questions"), coerce=int)
    header_row = forms.IntegerField(
        label=_("Row with the column titles"),
        min_value=0,
        required=False,
        help_text=_("The row number as Excel shows it; 0 or empty if the sheet has no title row."),
    )

    answer_column = forms.TypedChoiceField(
        label=_("Column for the answers"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_(
            "Reviewed answers are written into its empty cells on export, and the detail into an empty Comments "
            "or Notes column. Either way the export adds Answer, Detail, Source URL, Policy version and Reviewed "
            "by at the end."
        ),
    )
    other_sheets = forms.BooleanField(label=_("Also answer the other sheets with questions"), required=False)

    def __init__(self, *args, sheets: list[dict], sheet: dict, others: list[str], **kwargs):
        """`others`: the workbook's other sheets that hold questions; without any, the
        choice to answer them is not offered."""
        super().__init__(*args, **kwargs)
        if others:
            self.fields["other_sheets"].help_text = _(
                "%(names)s, each with the column and title row guessed for it. The answered file keeps every sheet."
            ) % {"names": ", ".join(others)}
        else:
            del self.fields["other_sheets"]
        self.fields["sheet"].choices = [(s["name"], s["name"]) for s in sheets]
        names = Sheet(name=sheet["name"], rows=sheet["rows"], header_row=sheet.get("header_row")).column_names()
        self.fields["question_column"].choices = [(i, name) for i, name in enumerate(names)]
        self.fields["answer_column"].choices = [("", _("None: only the columns added at the end"))] + [
            (i, name) for i, name in enumerate(names)
        ]
        self.column_names = names
