"""The answer library and imported questionnaires."""

import calendar
import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustcenter.policies.models import Category, Policy
from trustcenter.questionnaires.sections import find_section


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the last day of that month when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


class AnswerStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class AnswerQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=AnswerStatus.APPROVED)

    def in_public_faq(self):
        return self.approved().filter(show_in_faq=True)


class Answer(models.Model):
    """A reusable answer to a question that security questionnaires ask again and again."""

    question = models.TextField(_("question"), help_text=_("The question as it is usually asked."))
    short_answer = models.CharField(
        _("short answer"), max_length=200, help_text=_("Yes, No, N/A, or a few words such as '90 days'.")
    )
    full_answer = models.TextField(_("full answer"), help_text=_("Markdown; sanitized like the policies."))
    full_answer_html = models.TextField(editable=False, default="")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("category")
    )
    tags = models.CharField(_("tags"), max_length=300, blank=True, help_text=_("Comma-separated."))
    owner = models.CharField(_("owner"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=AnswerStatus.choices, default=AnswerStatus.DRAFT)
    show_in_faq = models.BooleanField(_("show in the public FAQ"), default=False)
    last_reviewed = models.DateField(_("last reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seed_key = models.SlugField(
        max_length=80, blank=True, default="", help_text=_("Set for answers loaded from the seed library.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AnswerQuerySet.as_manager()

    class Meta:
        ordering = ["category__order", "question"]
        constraints = [
            models.UniqueConstraint(fields=["seed_key"], condition=~Q(seed_key=""), name="answer_unique_seed_key"),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(last_reviewed__isnull=False),
                name="answer_approved_has_review_date",
            ),
            models.CheckConstraint(
                condition=Q(show_in_faq=False) | Q(status="approved"), name="answer_faq_only_when_approved"
            ),
        ]

    def __str__(self):
        return self.question[:80]

    def get_absolute_url(self):
        return reverse("questionnaires:answer_detail", args=[self.pk])

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]

    @property
    def is_approved(self) -> bool:
        return self.status == AnswerStatus.APPROVED

    def review_due(self) -> datetime.date | None:
        if self.last_reviewed is None:
            return None
        return add_months(self.last_reviewed, settings.ANSWER_REVIEW_MONTHS)

    def stale_reasons(self, *, today: datetime.date | None = None) -> list[str]:
        """Why this answer needs another look; empty when it is current."""
        today = today or timezone.localdate()
        reasons = []
        due = self.review_due()
        if self.last_reviewed is None:
            reasons.append(str(_("Never reviewed.")))
        elif due <= today:
            reasons.append(
                str(_("Last reviewed %(date)s, more than %(months)d months ago."))
                % {"date": self.last_reviewed.isoformat(), "months": settings.ANSWER_REVIEW_MONTHS}
            )
        for citation in self.citations.all():
            problem = citation.problem()
            if problem:
                reasons.append(problem)
        return reasons


class Citation(models.Model):
    """A pointer from an answer to a section of a policy.

    Records the version and the text digest of the section when the answer was last
    reviewed, so a newer version that changes that section marks the answer stale.
    """

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="citations")
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="+")
    anchor = models.SlugField(max_length=100, help_text=_("The heading id, e.g. encryption-at-rest."))
    heading = models.CharField(max_length=200, blank=True)
    version_number = models.PositiveIntegerField(help_text=_("The policy version the answer was checked against."))
    section_digest = models.CharField(max_length=64)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["answer", "policy", "anchor"], name="citation_unique_per_answer"),
        ]

    def __str__(self):
        return f"{self.policy.slug}#{self.anchor}"

    @property
    def current_version(self):
        return self.policy.current_version

    def url(self) -> str:
        """The section in the current version of the policy (a path on this site)."""
        return f"{self.policy.get_absolute_url()}#{self.anchor}"

    def absolute_url(self) -> str:
        return settings.SITE_URL + self.url()

    def current_section(self):
        version = self.current_version
        return find_section(version, self.anchor) if version else None

    def problem(self) -> str:
        version = self.current_version
        if version is None:
            return str(_("Cites %(policy)s, which is no longer published.")) % {"policy": self.policy.title}
        section = self.current_section()
        if section is None:
            return str(_("Cites section '%(heading)s' of %(policy)s, which version %(number)d no longer has.")) % {
                "heading": self.heading or self.anchor,
                "policy": self.policy.title,
                "number": version.number,
            }
        if version.number != self.version_number and section.digest != self.section_digest:
            return str(
                _(
                    "Section '%(heading)s' of %(policy)s changed in version %(number)d "
                    "(the answer was checked against version %(old)d)."
                )
            ) % {
                "heading": section.title,
                "policy": self.policy.title,
                "number": version.number,
                "old": self.version_number,
            }
        return ""


class QuestionnaireStatus(models.TextChoices):
    READING = "reading", _("Reading the file")
    FAILED = "failed", _("Could not be read")
    CHOOSE = "choose", _("Choose sheet and column")
    PROCESSING = "processing", _("Finding suggestions")
    READY = "ready", _("Ready for review")


class Questionnaire(models.Model):
    """An uploaded questionnaire: its rows as they were, with suggestions and review."""

    name = models.CharField(_("name"), max_length=255)
    file_kind = models.CharField(max_length=4, choices=[("csv", "CSV"), ("xlsx", "XLSX")])
    status = models.CharField(max_length=12, choices=QuestionnaireStatus.choices, default=QuestionnaireStatus.CHOOSE)
    # The uploaded file, kept with the row (one transaction) until the import job has read it.
    upload = models.BinaryField(blank=True, default=b"", editable=False)
    rows_read = models.PositiveIntegerField(default=0)
    # The background job reading or answering it now, so the progress page can tell when it failed.
    job_id = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True, help_text=_("Why the file could not be read."))
    # Every readable sheet while the sheet and column are being chosen; emptied afterwards.
    workbook = models.JSONField(default=list, blank=True)
    # The sheet and columns guessed, then chosen on the configure page.
    sheet_name = models.CharField(max_length=255, blank=True)
    header_row = models.IntegerField(null=True, blank=True, help_text=_("Index of the column-title row."))
    question_column = models.PositiveIntegerField(null=True, blank=True)
    # The sheets answered, in the workbook's order (the chosen one, and the others with
    # questions when those are answered too): [{"name", "columns", "header_row",
    # "question_column"}]. A row's `sheet` is its place in this list.
    sheets = models.JSONField(default=list, blank=True)
    question_count = models.PositiveIntegerField(default=0)
    processed_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        if self.status in (QuestionnaireStatus.READING, QuestionnaireStatus.FAILED):
            return reverse("questionnaires:questionnaire_progress", args=[self.pk])
        if self.status == QuestionnaireStatus.CHOOSE:
            return reverse("questionnaires:questionnaire_configure", args=[self.pk])
        if self.status == QuestionnaireStatus.PROCESSING:
            return reverse("questionnaires:questionnaire_progress", args=[self.pk])
        return reverse("questionnaires:questionnaire_review", args=[self.pk])

    @property
    def sheet_names(self) -> list[str]:
        return [s["name"] for s in self.sheets]

    @property
    def percent_processed(self) -> int:
        return round(100 * self.processed_count / self.question_count) if self.question_count else 100


class RowKind(models.TextChoices):
    QUESTION = "question", _("Question")
    SECTION = "section", _("Section header")
    HEADER = "header", _("Column titles")
    BLANK = "blank", _("Blank")
    OTHER = "other", _("Other")


class RowStatus(models.TextChoices):
    PENDING = "pending", _("Not reviewed")
    ACCEPTED = "accepted", _("Accepted")
    EDITED = "edited", _("Edited")
    NA = "na", _("Not applicable")


class ExpertReason(models.TextChoices):
    NO_SECTION = "no-section", _("No policy section covers it")
    WEAK = "weak", _("The closest section is a weak match")
    CONFLICT = "conflict", _("Two sections could answer it; choose one")
    NO_VALUE = (
        "no-value",
        _("The closest section does not give what it asks for (a name, a number, a period or one of its options)"),
    )
    SCOPE = "scope", _("The closest section applies to other systems (servers, laptops or mobile devices)")
    PRODUCT = "product-specific", _("It asks about your product or the sheet itself")
    FEEDBACK = "feedback", _("It asks for comments or feedback")
    HISTORY = "history", _("It asks what has happened (breaches, incidents), which the policies do not record")


class QuestionnaireRow(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField()  # across the questionnaire's sheets, in order
    sheet = models.PositiveSmallIntegerField(default=0)  # index into questionnaire.sheets
    kind = models.CharField(max_length=10, choices=RowKind.choices)
    cells = models.JSONField(default=list, blank=True)
    question = models.TextField(blank=True)
    suggestions = models.JSONField(default=list, blank=True)
    # What the sheet says around the question: section heading, the question above it,
    # the answers the sheet accepts ({"section": ..., "previous": ..., "options": [...]}).
    context = models.JSONField(default=dict, blank=True)
    suggested = models.BooleanField(default=False, help_text=_("Suggestions have been computed."))
    needs_expert = models.BooleanField(default=False)
    expert_reason = models.CharField(max_length=20, blank=True, choices=ExpertReason.choices)
    status = models.CharField(max_length=10, choices=RowStatus.choices, default=RowStatus.PENDING)
    answer = models.TextField(blank=True)
    detail = models.TextField(blank=True)
    source_url = models.CharField(max_length=500, blank=True)
    policy_version = models.CharField(max_length=300, blank=True)
    source_key = models.CharField(max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "position"], name="questionnaire_row_unique_position"),
        ]
        indexes = [models.Index(fields=["questionnaire", "kind", "suggested"], name="questionnaire_row_todo")]

    def __str__(self):
        return f"{self.questionnaire_id}:{self.position}"

    @property
    def is_reviewed(self) -> bool:
        return self.status != RowStatus.PENDING
