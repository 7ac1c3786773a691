import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from trustcenter.access.models import Organization
from trustcenter.api.models import EngagementEvent, PageViewCount
from trustcenter.documents.models import Document
from trustcenter.policies.models import Policy


class Command(BaseCommand):
    help = (
        "Give the demo organization (Northwind Traders) a few weeks of engagement to look at on "
        "/staff/engagement/ (idempotent; run after demo_access). Demo rows are marked and carry DEMO download ids. "
        "For local demos only."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        organization = Organization.objects.filter(name="Northwind Traders").first()
        customer = get_user_model().objects.filter(email="customer@northwind.example").first()
        if organization is None or customer is None:
            self.stdout.write("skipped: run demo_setup and demo_access first")
            return
        if EngagementEvent.objects.filter(organization=organization, detail__demo=True).exists():
            self.stdout.write("Demo engagement: already there (Northwind Traders on /staff/engagement/)")
            return
        now = timezone.now()

        def event(days_ago: int, kind: str, subject: str, **detail):
            EngagementEvent.objects.create(
                kind=kind, user=customer, email=customer.email, organization=organization, subject=subject,
                detail={"demo": True, **detail}, created_at=now - datetime.timedelta(days=days_ago, hours=3),
            )  # fmt: skip

        event(24, "nda.signed", "nda:1", nda_version=1)
        event(24, "access.requested", "access_request:demo")
        event(23, "access.approved", "access_request:demo", hours_to_decision=5.5, days=365)
        for number, policy in enumerate(Policy.objects.published().filter(visibility="nda")[:3]):
            event(22 - number * 4, "page.read", policy.get_absolute_url(), title=policy.title)
        documents = Document.objects.listed().filter(visibility="nda")[:3]
        for number, document in enumerate(documents):
            event(21 - number * 6, "document.downloaded", f"document:{document.pk}", document=document.title,
                  download_id=f"DEMO-{number + 1:04d}")  # fmt: skip
        for days_ago in range(30):
            day = (now - datetime.timedelta(days=days_ago)).date()
            PageViewCount.objects.get_or_create(path="/", day=day, defaults={"count": 20 + (days_ago * 7) % 13})
        self.stdout.write("created: demo engagement for Northwind Traders (see /staff/engagement/)")
