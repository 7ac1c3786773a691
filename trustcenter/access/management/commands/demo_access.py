import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from trustcenter.access.models import AccessGrant, Organization, OrganizationDomain


class Command(BaseCommand):
    help = (
        "Set up demo organizations and access (idempotent; run after demo_setup): Northwind Traders has an "
        "NDA on file, approves automatically and its customer already has access. For local demos only."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        northwind, _ = Organization.objects.get_or_create(
            name="Northwind Traders",
            defaults={
                "auto_approve": True,
                "grant_days": 365,
                "nda_on_file": True,
                "nda_on_file_note": "Mutual NDA signed with the MSA on 2026-02-10 (demo)",
                "notes": "Customer since 2024 (demo data).",
            },
        )
        OrganizationDomain.objects.get_or_create(domain="northwind.example", defaults={"organization": northwind})
        customer = get_user_model().objects.filter(email="customer@northwind.example").first()
        if customer is not None and not AccessGrant.objects.active().filter(user=customer).exists():
            now = timezone.now()
            AccessGrant.objects.create(
                user=customer, organization=northwind, granted_at=now, expires_at=now + datetime.timedelta(days=365)
            )
            self.stdout.write("created: access for customer@northwind.example (NDA on file for Northwind Traders)")
        self.stdout.write(
            "Demo access: Northwind Traders (northwind.example) has an NDA on file and approves automatically; "
            "prospect@globex.example starts with nothing (sign the NDA, request access, approve as sales@)."
        )
