"""Update posts, subscribers and their consent, subprocessor change notices and objections, mail deliveries."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from trustcenter.lib.visibility import Visibility


class PostType(models.TextChoices):
    ANNOUNCEMENT = "announcement", _("Announcement")
    INCIDENT = "incident", _("Incident")
    CERTIFICATION = "certification", _("Certification")
    SUBPROCESSOR = "subprocessor", _("Subprocessor")
    POLICY = "policy", _("Policy")


class Topic(models.TextChoices):
    """What a subscriber can ask to hear about; `ALL` means every update post and notice."""

    ALL = "all", _("All updates")
    INCIDENTS = "incidents", _("Incidents")
    SUBPROCESSORS = "subprocessors", _("Subprocessor changes")
    POLICIES = "policies", _("Policy changes")
    DOCUMENTS = "documents", _("New documents and certifications")


# Which topic (besides ALL) an update post of each type reaches.
POST_TOPIC = {
    PostType.INCIDENT: Topic.INCIDENTS,
    PostType.CERTIFICATION: Topic.DOCUMENTS,
    PostType.SUBPROCESSOR: Topic.SUBPROCESSORS,
    PostType.POLICY: Topic.POLICIES,
}


class UpdatePostQuerySet(models.QuerySet):
    def public(self):
        return self.filter(visibility=Visibility.PUBLIC)

    def newest_first(self):
        return self.order_by("-date", "-published_at", "-pk")


class UpdatePost(models.Model):
    """One post from `content/updates/<date>-<slug>.md`. Corrections re-publish it in place."""

    slug = models.SlugField(max_length=120, unique=True)
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    type = models.CharField(_("type"), max_length=20, choices=PostType.choices)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    summary = models.TextField(blank=True)
    body_markdown = models.TextField()
    body_html = models.TextField()
    content_hash = models.CharField(max_length=64)
    source = models.CharField(max_length=300)
    published_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = UpdatePostQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-published_at"]
        verbose_name = _("update post")
        verbose_name_plural = _("update posts")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("updates:detail", args=[self.slug])

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC


class SubprocessorList(models.Model):
    """One published version of the subprocessor list in company.yaml. Never edited."""

    number = models.PositiveIntegerField(unique=True)
    entries = models.JSONField(help_text="The subprocessors as published: name, purpose, data, location, website.")
    content_hash = models.CharField(max_length=64)
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-number"]

    def __str__(self):
        return f"Subprocessor list v{self.number}"


class ChangeKind(models.TextChoices):
    ADDED = "added", _("Added")
    REMOVED = "removed", _("Removed")
    CHANGED = "changed", _("Changed")


class SubprocessorChange(models.Model):
    """A subprocessor added, removed or changed (purpose, data or location) by one published list."""

    register = models.ForeignKey(SubprocessorList, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    name = models.CharField(max_length=200)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    fields = models.JSONField(default=list, blank=True, help_text="Which of purpose, data, location changed.")
    published_at = models.DateTimeField()
    effective_on = models.DateField(_("effective"))

    class Meta:
        ordering = ["-published_at", "name"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.name}"

    def get_absolute_url(self):
        return reverse("updates:subprocessor_change", args=[self.pk])

    def objection_open(self, today) -> bool:
        """Customers may object until the change takes effect."""
        return today < self.effective_on


class Objection(models.Model):
    """A customer organization's objection to a subprocessor change, with its reason."""

    change = models.ForeignKey(SubprocessorChange, on_delete=models.PROTECT, related_name="objections")
    organization = models.ForeignKey("access.Organization", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), max_length=4000)
    created_at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["change", "organization"], name="objection_once_per_organization")
        ]

    def __str__(self):
        return f"{self.organization} objects to {self.change}"


def new_key() -> str:
    return secrets.token_urlsafe(16)


class SubscriberQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Subscriber.Status.ACTIVE)

    def for_topic(self, topic: str):
        """Active subscribers who asked for `topic` (or for everything)."""
        condition = Q(topic_all=True)
        if topic != Topic.ALL:
            condition |= Q(**{f"topic_{topic}": True})
        return self.active().filter(condition)


class Subscriber(models.Model):
    """An email address that confirmed it wants updates (double opt-in).

    An address is stored only once its owner followed the confirmation link. Unsubscribing
    keeps the row (status, time) so the address is never mailed again until it opts in anew.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Subscribed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    email = models.EmailField(unique=True)
    language = models.CharField(max_length=8, default="en")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    topic_all = models.BooleanField(_("All updates"), default=False)
    topic_incidents = models.BooleanField(_("Incidents"), default=False)
    topic_subprocessors = models.BooleanField(_("Subprocessor changes"), default=False)
    topic_policies = models.BooleanField(_("Policy changes"), default=False)
    topic_documents = models.BooleanField(_("New documents and certifications"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="subscriptions"
    )
    # Part of every signed link: replacing it (re-subscription, deletion) retires every old link.
    key = models.CharField(max_length=32, default=new_key)
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField()
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                condition=Q(email=models.functions.Lower("email")), name="subscriber_email_lowercase"
            )
        ]

    def __str__(self):
        return self.email

    @property
    def topics(self) -> list[str]:
        return [topic for topic in Topic.values if getattr(self, f"topic_{topic}")]

    def set_topics(self, topics) -> None:
        for topic in Topic.values:
            setattr(self, f"topic_{topic}", topic in topics)

    def notice_deliveries(self):
        return Delivery.objects.filter(email=self.email).order_by("pk")


class Consent(models.Model):
    """Evidence of what a subscriber agreed to: the exact text, when, from where. Never edited."""

    class Action(models.TextChoices):
        SUBSCRIBED = "subscribed", _("Subscribed")
        CHANGED = "changed", _("Changed topics")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="consents")
    action = models.CharField(max_length=20, choices=Action.choices)
    text = models.TextField(help_text="The consent text shown, in the language it was shown in.")
    topics = models.JSONField(default=list)
    language = models.CharField(max_length=8)
    requested_at = models.DateTimeField(null=True, blank=True)
    requested_ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)

    class Meta:
        ordering = ["at"]

    def __str__(self):
        return f"{self.subscriber}: {self.action} at {self.at:%Y-%m-%d %H:%M}"


class Notice(models.Model):
    """Something mailed to subscribers of one topic: an update post, a subprocessor notice, a digest."""

    class Kind(models.TextChoices):
        POST = "post", _("Update post")
        SUBPROCESSORS = "subprocessors", _("Subprocessor change notice")
        POLICY_DIGEST = "policy_digest", _("Policy change digest")
        DOCUMENT = "document", _("New document")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    topic = models.CharField(max_length=20, choices=Topic.choices)
    post = models.ForeignKey(UpdatePost, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    register = models.ForeignKey(SubprocessorList, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    policy_versions = models.ManyToManyField("policies.PolicyVersion", blank=True, related_name="+")
    document = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField()
    recipients_listed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class Delivery(models.Model):
    """One address's copy of one notice. Unique per (notice, email): nobody gets a notice twice.

    Claimed (SENDING) before the SMTP conversation and marked SENT after it, so a crash in
    between leaves the row SENDING and it is never retried: at most once, never twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped (unsubscribed)")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    email = models.EmailField()
    subscriber = models.ForeignKey(Subscriber, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    claim = models.CharField(max_length=32, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    message_id = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "email"], name="delivery_once_per_address")]
        indexes = [models.Index(fields=["notice", "status"])]

    def __str__(self):
        return f"{self.notice} to {self.email}: {self.status}"
