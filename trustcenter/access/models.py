import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustcenter.documents.models import Document, Kind
from trustcenter.lib.immutable import ImmutableModel, ImmutableQuerySet

MAX_GRANT_DAYS = 3 * 365


def free_mail_domains() -> set[str]:
    return {d.lower() for d in settings.FREE_MAIL_DOMAINS}


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in (email or "") else ""


# A grant's scope names kinds: the document kinds, plus the NDA policies (which are pages, not documents).
NDA_POLICIES = "nda_policies"


def scope_kind_choices() -> list[tuple[str, str]]:
    return [*Kind.choices, (NDA_POLICIES, _("Policies under NDA"))]


def validate_scope_kinds(value) -> None:
    known = {k for k, _label in scope_kind_choices()}
    if not isinstance(value, list) or any(k not in known for k in value):
        raise ValidationError(_("Choose kinds from the list."), code="kinds")


def scope_covers(*, all_material: bool, kinds, document_ids, obj) -> bool:
    """Whether a scope (all NDA material, or kinds and documents) covers `obj`, a Document or a policy."""
    if all_material:
        return True
    if isinstance(obj, Document):
        return obj.kind in kinds or obj.pk in document_ids
    return NDA_POLICIES in kinds


class ScopedAccess(models.Model):
    """What a request asks for or a grant covers: all NDA material, or chosen kinds and documents."""

    all_material = models.BooleanField(_("all NDA material"), default=True)
    kinds = models.JSONField(_("kinds"), default=list, blank=True, validators=[validate_scope_kinds])
    documents = models.ManyToManyField("documents.Document", blank=True, related_name="+", verbose_name=_("documents"))

    class Meta:
        abstract = True

    def covers(self, obj) -> bool:
        document_ids = {d.pk for d in self.documents.all()} if not self.all_material else set()
        return scope_covers(all_material=self.all_material, kinds=self.kinds, document_ids=document_ids, obj=obj)

    def scope_label(self) -> str:
        if self.all_material:
            return str(_("All NDA material"))
        labels = dict(scope_kind_choices())
        parts = [str(labels.get(k, k)) for k in self.kinds] + [d.title for d in self.documents.all()]
        return ", ".join(parts) or str(_("Nothing chosen"))


class NdaVersionQuerySet(ImmutableQuerySet):
    def current(self):
        """The NDA in force: the highest published version, or None."""
        return self.order_by("-version").first()


class NdaVersion(ImmutableModel):
    """One published text of the NDA (content/nda.md): never changed or deleted once created."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    effective = models.DateField(_("effective"))
    body_markdown = models.TextField()
    body_html = models.TextField(help_text=_("The sanitized HTML shown on the signing page and in signed copies."))
    text_sha256 = models.CharField(_("SHA-256 of the text shown"), max_length=64)
    source = models.CharField(max_length=300)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = NdaVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("NDA version")
        verbose_name_plural = _("NDA versions")
        constraints = [models.CheckConstraint(condition=Q(version__gte=1), name="nda_version_positive")]

    def __str__(self):
        return f"{self.title} v{self.version}"


class NdaSignature(models.Model):
    """Evidence that a person accepted one NDA version. Never edited or deleted by the app."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="nda_signatures")
    nda = models.ForeignKey(NdaVersion, on_delete=models.PROTECT, related_name="signatures")
    full_name = models.CharField(_("full name"), max_length=200)
    company = models.CharField(_("company"), max_length=200)
    job_title = models.CharField(_("job title"), max_length=200)
    email = models.EmailField(_("email at signing"))
    text_sha256 = models.CharField(_("SHA-256 of the text shown"), max_length=64)
    signed_at = models.DateTimeField(_("signed at (UTC)"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)

    class Meta:
        ordering = ["-signed_at"]
        verbose_name = _("NDA signature")
        verbose_name_plural = _("NDA signatures")
        constraints = [models.UniqueConstraint(fields=["user", "nda"], name="nda_signature_once_per_version")]

    def __str__(self):
        return f"{self.full_name} <{self.email}> · NDA v{self.nda.version}"


class Organization(models.Model):
    """A customer or prospect company, recognised by the verified email domains of its people."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    auto_approve = models.BooleanField(
        _("approve requests automatically"),
        default=False,
        help_text=_("Access requests from verified addresses at these domains are approved without review."),
    )
    auto_approve_all = models.BooleanField(
        _("automatic approval covers all NDA material"),
        default=True,
        help_text=_("Untick to approve automatically only the kinds and documents chosen below; requests for "
                    "more wait for review."),
    )  # fmt: skip
    auto_approve_kinds = models.JSONField(
        _("kinds approved automatically"), default=list, blank=True, validators=[validate_scope_kinds]
    )
    auto_approve_documents = models.ManyToManyField(
        "documents.Document", blank=True, related_name="+", verbose_name=_("documents approved automatically")
    )
    grant_days = models.PositiveIntegerField(
        _("grant length in days"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_GRANT_DAYS)],
        help_text=_("Empty: the site default (ACCESS_GRANT_DAYS)."),
    )
    nda_on_file = models.BooleanField(
        _("NDA on file"),
        default=False,
        help_text=_("An NDA was signed outside this site; its people do not need to click through."),
    )
    nda_on_file_note = models.CharField(
        _("NDA reference"), max_length=200, blank=True, help_text=_("Where the signed NDA is kept, its date.")
    )
    blocked = models.BooleanField(
        _("blocked"),
        default=False,
        help_text=_("No account ever bound to this organization, and no grant issued under it, opens gated "
                    "documents."),
    )  # fmt: skip
    notes = models.TextField(_("notes"), blank=True)
    identity_provider = models.CharField(
        _("identity provider"),
        max_length=40,
        blank=True,
        help_text=_(
            "Provider id of the organization's OpenID Connect identity provider (SSO_PROVIDERS). "
            "When set, its people sign in only through it."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.identity_provider:
            configured = {app["provider_id"] for app in settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]}
            if self.identity_provider not in configured or self.identity_provider == settings.SSO_STAFF_PROVIDER:
                raise ValidationError(
                    {
                        "identity_provider": _(
                            "Not one of the organizations' identity providers configured in SSO_PROVIDERS: %(ids)s"
                        )
                        % {"ids": ", ".join(sorted(configured - {settings.SSO_STAFF_PROVIDER})) or "-"}
                    }
                )

    def grant_length(self) -> int:
        return self.grant_days or settings.ACCESS_GRANT_DAYS


class OrganizationDomain(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(
        _("email domain"), max_length=253, unique=True, help_text=_("For example northwind.example")
    )

    class Meta:
        ordering = ["domain"]
        verbose_name = _("email domain")
        verbose_name_plural = _("email domains")
        constraints = [
            models.CheckConstraint(condition=Q(domain=models.functions.Lower("domain")), name="org_domain_lowercase")
        ]

    def __str__(self):
        return self.domain

    def clean(self):
        self.domain = (self.domain or "").strip().lower().lstrip("@")
        if "." not in self.domain or " " in self.domain or "@" in self.domain:
            raise ValidationError({"domain": _("Enter a domain such as northwind.example, without the @.")})
        if self.domain in free_mail_domains():
            raise ValidationError(
                {"domain": _("%(domain)s is a free-mail domain: anyone can have an address there, so it cannot "
                             "identify an organization.") % {"domain": self.domain}}
            )  # fmt: skip


class MembershipSource(models.TextChoices):
    VERIFIED_EMAIL = "verified_email", _("Verified email address")
    STAFF = "staff", _("Moved by staff")
    EXISTING = "existing", _("Bound when memberships were introduced")


class Membership(models.Model):
    """An account bound to an organization, from the moment one of its addresses at the
    organization's domain is verified. The binding, not the current email, is what a block,
    an NDA on file or an auto-approval rule applies to; only staff end it (by moving the
    account, audited), so changing email never escapes it.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="memberships")
    source = models.CharField(_("bound by"), max_length=20, choices=MembershipSource.choices)
    email = models.EmailField(_("address that bound it"), blank=True)
    bound_at = models.DateTimeField(_("bound at"), default=timezone.now)
    bound_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    end_reason = models.TextField(_("reason for the move"), blank=True, max_length=2000)

    class Meta:
        ordering = ["-bound_at"]
        verbose_name = _("organization membership")
        verbose_name_plural = _("organization memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(ended_at__isnull=True), name="access_membership_one_current_per_user"
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.organization}"


def organization_for(user) -> Organization | None:
    """The organization `user` is bound to now (not the one of their current email domain)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    membership = Membership.objects.select_related("organization").filter(user=user, ended_at__isnull=True).first()
    return membership.organization if membership else None


def organization_by_domain(email: str) -> Organization | None:
    """The organization whose domain `email` is at (free-mail domains never match)."""
    domain = email_domain(email)
    if not domain or domain in free_mail_domains():
        return None
    match = OrganizationDomain.objects.select_related("organization").filter(domain=domain).first()
    return match.organization if match else None


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")


class AccessRequest(ScopedAccess):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_requests")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="access_requests"
    )
    reason = models.TextField(_("reason"), blank=True, max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    auto_approved = models.BooleanField(default=False)
    decision_note = models.TextField(_("reason for the decision"), blank=True, max_length=2000)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        constraints = [
            # A second request while one is pending creates no duplicate.
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="pending"), name="access_request_one_pending_per_user"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "denied"]), name="access_request_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_status_display()}"


class GrantQuerySet(models.QuerySet):
    def active(self, now: datetime.datetime | None = None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class AccessGrant(ScopedAccess):
    """Permission to download NDA documents and read NDA policies (all, or a chosen scope) until `expires_at`.

    `organization` is the one the grant was issued under: blocking it ends the grant too.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_grants")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="grants"
    )
    request = models.OneToOneField(
        AccessRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="grant"
    )
    invitation = models.OneToOneField(
        "Invitation", null=True, blank=True, on_delete=models.SET_NULL, related_name="grant"
    )
    nda_required = models.BooleanField(
        _("NDA required"), default=True, help_text=_("Off only for invitations sent without an NDA requirement.")
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoke_reason = models.TextField(_("reason for revoking"), blank=True, max_length=2000)

    objects = GrantQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at"]
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("granted_at")), name="grant_expires_after_granted"
            )
        ]

    def __str__(self):
        return f"{self.user} until {self.expires_at:%Y-%m-%d}"

    def is_active(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class Invitation(models.Model):
    """Pre-approved access sent by sales to an email address. The token is stored only as a hash."""

    email = models.EmailField(_("email"))
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    grant_days = models.PositiveIntegerField(
        _("grant length in days"), validators=[MinValueValidator(1), MaxValueValidator(MAX_GRANT_DAYS)]
    )
    nda_required = models.BooleanField(_("NDA required"), default=True)
    message = models.TextField(_("personal message"), blank=True, max_length=2000)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"{self.email} ({self.created_at:%Y-%m-%d})"

    @property
    def is_used(self) -> bool:
        return self.accepted_at is not None

    def is_expired(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at
