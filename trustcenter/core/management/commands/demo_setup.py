from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from trustcenter.core.models import Role

DEMO_PASSWORD = "trustcenter-demo"  # noqa: S105 - printed for local demos, never used in production

DEMO_USERS = [
    # email, full name, company, role, is_staff, is_superuser, description
    ("admin@kestrel.example", "Ada Admin", "Kestrel Analytics", Role.SECURITY_ADMIN, True, True, "security admin"),
    ("sales@kestrel.example", "Sam Sales", "Kestrel Analytics", Role.SALES, True, False, "sales"),
    ("customer@northwind.example", "Casey Customer", "Northwind Traders", Role.CUSTOMER, False, False, "customer"),
    ("prospect@globex.example", "Pat Prospect", "Globex Corporation", Role.CUSTOMER, False, False, "prospect"),
]


class Command(BaseCommand):
    help = "Create the demo users (idempotent) and print how to sign in. For local demos only."

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        for email, name, company, role, is_staff, is_superuser, _desc in DEMO_USERS:
            user, created = User.objects.get_or_create(email=email)
            user.full_name, user.company, user.role = name, company, role
            user.is_staff, user.is_superuser = is_staff, is_superuser
            if created:
                user.set_password(DEMO_PASSWORD)
            user.save()
            # The demo addresses count as confirmed, so they sign in without a confirmation mail.
            EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        width = max(len(u[0]) for u in DEMO_USERS)
        self.stdout.write(f"Demo users (password for all: {DEMO_PASSWORD}), sign in at /accounts/login/:")
        for email, _name, _company, _role, _staff, _su, desc in DEMO_USERS:
            self.stdout.write(f"  {email.ljust(width)}  {desc}")
        self.stdout.write(
            "Staff (admin@, sales@) are asked to set up two-factor authentication with an authenticator app "
            "the first time they open a staff page (/admin/, /staff/...); the QR code is on that page."
        )
