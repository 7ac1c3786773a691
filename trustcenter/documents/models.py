import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from trustcenter.core.company import load_company
from trustcenter.lib.mfa import is_staff_ready
from trustcenter.lib.visibility import Visibility


class Kind(models.TextChoices):
    SOC2_TYPE2 = "soc2_type2", _("SOC 2 Type II report")
    SOC3 = "soc3", _("SOC 3 report")
    ISO27001_CERTIFICATE = "iso27001_certificate", _("ISO 27001 certificate")
    ISO27001_SOA = "iso27001_soa", _("ISO 27001 statement of applicability")
    PENTEST_SUMMARY = "pentest_summary", _("Penetration test summary")
    INSURANCE_CERTIFICATE = "insurance_certificate", _("Insurance certificate")
    OTHER = "other", _("Other")


def _private_name(instance, filename: str) -> str:
    """A random name in private storage: the visitor-facing filename is built at download time."""
    return f"documents/{uuid.uuid4().hex}.pdf"


class DocumentQuerySet(models.QuerySet):
    def listed(self):
        """Listed documents, each the newest of its kind and framework.

        A newer document of the same kind and framework (by issue date, then upload time)
        replaces the older one in the list; the older one stays in storage as a record.
        """
        newer = Document.objects.filter(
            listed=True,
            kind=models.OuterRef("kind"),
            framework=models.OuterRef("framework"),
        ).filter(
            Q(issued__gt=models.OuterRef("issued"))
            | Q(issued=models.OuterRef("issued"), uploaded_at__gt=models.OuterRef("uploaded_at"))
        )
        return self.filter(listed=True).exclude(models.Exists(newer))

    def visible_to(self, user):
        """Documents `user` may know about: staff with MFA see everything, everyone else the list.

        Staff without MFA know no more than a customer (not even the titles of unlisted
        documents). Knowing about a document is not reading it:
        `trustcenter.access.rules.decide` says whether this user may download it.
        """
        if is_staff_ready(user):
            return self.all()
        return self.listed()


class Document(models.Model):
    """An attestation or report, stored as an unchanged PDF in private storage."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    framework = models.CharField(
        _("framework"),
        max_length=100,
        blank=True,
        help_text=_("For example “SOC 2”, “ISO/IEC 27001:2022”. A newer document of the same kind and framework "
                    "replaces this one in the list."),
    )  # fmt: skip
    period_start = models.DateField(_("audit period start"), null=True, blank=True)
    period_end = models.DateField(_("audit period end"), null=True, blank=True)
    issued = models.DateField(_("issued"))
    expires = models.DateField(_("expires"), null=True, blank=True, help_text=_("Leave empty if it does not expire."))
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.NDA)
    description = models.TextField(_("description"), blank=True)
    listed = models.BooleanField(
        _("listed"),
        default=True,
        help_text=_("Shown on /documents/. Untick to withdraw a document without deleting it."),
    )
    file = models.FileField(_("file"), upload_to=_private_name, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    size = models.PositiveBigIntegerField(_("size in bytes"), editable=False)
    page_count = models.PositiveIntegerField(_("pages"), editable=False)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("uploaded by"),
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "framework", "-issued", "-uploaded_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__isnull=True)
                | Q(period_start__isnull=True)
                | Q(period_end__gte=models.F("period_start")),
                name="document_period_in_order",
            ),
            models.CheckConstraint(
                condition=Q(expires__isnull=True) | Q(expires__gte=models.F("issued")),
                name="document_expires_after_issued",
            ),
            models.CheckConstraint(condition=Q(page_count__gte=1), name="document_has_pages"),
            models.CheckConstraint(condition=Q(visibility__in=Visibility.values), name="document_visibility_valid"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC

    def is_expired(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.expires is not None and self.expires < today

    @property
    def expired(self) -> bool:
        return self.is_expired()

    def download_filename(self, today: datetime.date | None = None) -> str:
        """`kestrel-soc-2-type-ii-report-2026-11-29.pdf`: built by the server, never from the upload."""
        today = today or timezone.localdate()
        prefix = slugify(load_company().name) or "document"
        stem = slugify(self.title)[:80].strip("-") or "document"
        return f"{prefix}-{stem}-{today.isoformat()}.pdf"
