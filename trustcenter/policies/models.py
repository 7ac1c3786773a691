from django.conf import settings
from django.db import models
from django.db.models import Case, F, Max, Q, When
from django.db.models.functions import Cast
from django.urls import reverse

from trustcenter.lib.immutable import ImmutableModel, ImmutableQuerySet
from trustcenter.lib.visibility import Visibility


class Category(models.Model):
    """A section of the trust center; defined in content/company.yaml and synced on publish."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class PolicyQuerySet(models.QuerySet):
    def published(self):
        return self.filter(current_version__isnull=False)

    def public(self):
        return self.published().filter(visibility=Visibility.PUBLIC)


class Policy(models.Model):
    """A policy page; its text lives in immutable PolicyVersion rows.

    Title, summary, category and visibility mirror the current version so lists need
    no join; `last_reviewed` may move forward without a new version (a re-review that
    changed nothing).
    """

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="policies")
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    owner = models.CharField(max_length=200, blank=True)
    last_reviewed = models.DateField(null=True, blank=True)
    current_version = models.OneToOneField(
        "PolicyVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PolicyQuerySet.as_manager()

    class Meta:
        ordering = ["category__order", "title"]
        verbose_name_plural = "policies"

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("policies:detail", args=[self.slug])

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC

    def latest_number(self) -> int:
        return self.versions.aggregate(n=Max("number"))["n"] or 0


class PolicyVersionQuerySet(ImmutableQuerySet):
    def public(self):
        return self.filter(visibility=Visibility.PUBLIC)

    def current(self):
        """The version each policy currently shows."""
        return self.filter(policy__current_version=models.F("pk"))

    def in_history_order(self):
        """Newest first by when each version took its place in the history: its publication, or, for a
        version imported from content/history/, its effective date (annotated as `dated`)."""
        dated = Case(
            When(imported=True, then=Cast("effective", models.DateTimeField())),
            default=F("published_at"),
            output_field=models.DateTimeField(),
        )
        return self.annotate(dated=dated).order_by("-dated", "-pk")


class PolicyVersion(ImmutableModel):
    """One published version of a policy: never changed or deleted once created."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    owner = models.CharField(max_length=200, blank=True)
    effective = models.DateField()
    reviewed = models.DateField()
    body_markdown = models.TextField()
    body_html = models.TextField()
    body_text = models.TextField(help_text="Plain text of the body, for search.")
    toc = models.JSONField(default=list, blank=True)
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the fields that define this version.")
    source = models.CharField(max_length=300, help_text="Where it was published from: a file path or 'admin'.")
    imported = models.BooleanField(
        default=False,
        help_text="Replayed from content/history/: an earlier version, recorded here when the trust center was set "
        "up. Its date in the change log is its effective date, not the day it was imported.",
    )
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policy_version_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="policy_version_number_positive"),
            models.CheckConstraint(
                condition=Q(reviewed__gte=models.F("effective")), name="policy_version_reviewed_after_effective"
            ),
        ]

    def __str__(self):
        return f"{self.policy.slug} v{self.number}"

    def get_absolute_url(self):
        return reverse("policies:version", args=[self.policy.slug, self.number])

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC
