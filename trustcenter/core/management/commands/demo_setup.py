from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_PASSWORD = "trustcenter-demo"  # noqa: S105 - printed for local demos, never used in production

DEMO_USERS = [
    # email, full name, company, is_staff, is_superuser, role description
    ("admin@kestrel.example", "Ada Admin", "Kestrel Analytics", True, True, "security admin"),
    ("sales@kestrel.example", "Sam Sales", "Kestrel Analytics", True, False, "sales"),
    ("customer@northwind.example", "Casey Customer", "Northwind Traders", False, False, "customer"),
    ("prospect@globex.example", "Pat Prospect", "Globex Corporation", False, False, "prospect"),
]


class Command(BaseCommand):
    help = "Create the demo users (idempotent) and print how to sign in. For local demos only."

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        for email, name, company, is_staff, is_superuser, _role in DEMO_USERS:
            user, created = User.objects.get_or_create(email=email)
            user.full_name, user.company = name, company
            user.is_staff, user.is_superuser = is_staff, is_superuser
            if created:
                user.set_password(DEMO_PASSWORD)
            user.save()
        width = max(len(u[0]) for u in DEMO_USERS)
        self.stdout.write(f"Demo users (password for all: {DEMO_PASSWORD}):")
        for email, _name, _company, _staff, _su, role in DEMO_USERS:
            self.stdout.write(f"  {email.ljust(width)}  {role}")
