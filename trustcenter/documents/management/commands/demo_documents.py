from django.core.management.base import BaseCommand
from django.db import transaction

from trustcenter.documents.demo import demo_documents, render_demo_pdf
from trustcenter.documents.models import Document
from trustcenter.documents.services import document_add


class Command(BaseCommand):
    help = (
        "Generate the demo company's SAMPLE documents (SOC 2 Type II report, ISO 27001 certificate, "
        "penetration test summary, ...) with WeasyPrint and add them. Idempotent: documents that "
        "exist (same title) are left alone. For local demos only."
    )

    def handle(self, *args, **options):
        created = 0
        for demo in demo_documents():
            if Document.objects.filter(title=demo.fields["title"], kind=demo.fields["kind"]).exists():
                continue
            data = render_demo_pdf(demo)
            with transaction.atomic():
                document = document_add(data=data, filename=f"{demo.key}.pdf", **demo.fields)
            created += 1
            self.stdout.write(f"created: {document.title} ({document.page_count} pages)")
        self.stdout.write(f"Demo documents: {created} created, {len(demo_documents()) - created} already there.")
