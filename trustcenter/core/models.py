from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    """Users sign in with their email address; there are no usernames."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class Role(models.TextChoices):
    """What a person does here. `is_staff` stays Django's separate "may open the admin" flag."""

    CUSTOMER = "customer", _("Customer or prospect")
    SALES = "sales", _("Sales")
    SECURITY_ADMIN = "security_admin", _("Security admin")


class User(AbstractUser):
    username = None
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    company = models.CharField(max_length=200, blank=True)
    role = models.CharField(
        _("role"),
        max_length=20,
        choices=Role.choices,
        default=Role.CUSTOMER,
        help_text=_("Sales and security admins review access requests and read the audit log; both need MFA."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="core_user_role_valid"),
        ]

    def __str__(self):
        return self.email

    # Roles, defined once: every view, rule and template asks these, never the flags directly.
    # `is_staff` alone is Django's "may open the admin" flag (its pages are governed by model
    # permissions); it makes an account need MFA but gives it no role here.

    @property
    def is_sales_or_admin(self) -> bool:
        return self.role in (Role.SALES, Role.SECURITY_ADMIN)

    @property
    def is_security_admin(self) -> bool:
        return self.role == Role.SECURITY_ADMIN

    @property
    def has_staff_role(self) -> bool:
        """Staff of the trust center: sales, security admins and Django superusers (active accounts)."""
        return bool(self.is_active and (self.is_sales_or_admin or self.is_superuser))

    @property
    def can_approve_answers(self) -> bool:
        return bool(self.is_active and (self.is_security_admin or self.is_superuser))

    @property
    def needs_mfa(self) -> bool:
        """Staff of any kind (a staff role or Django's admin flag) must use MFA before staff pages open."""
        return self.is_sales_or_admin or self.is_staff or self.is_superuser

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email
