from django.core.management.base import BaseCommand

from trustcenter.api import counts
from trustcenter.api.services import engagement_purge
from trustcenter.api.tasks import engagement_purge_task


class Command(BaseCommand):
    help = (
        "Write the cached anonymous page counts to the database and delete engagement events and counts older "
        "than ENGAGEMENT_RETENTION_MONTHS. Run daily (a cron job or systemd timer)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="Run it on the task queue instead of here.")

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            result = engagement_purge_task.enqueue()
            self.stdout.write(f"enqueued: {result.id}")
            return
        flushed = counts.flush()
        deleted = engagement_purge()
        self.stdout.write(f"flushed {flushed} page counts; deleted {deleted} rows older than the retention period")
