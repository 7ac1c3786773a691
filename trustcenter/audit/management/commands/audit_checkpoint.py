from django.core.management.base import BaseCommand, CommandError

from trustcenter.audit.checkpoints import CheckpointError, configured_stores
from trustcenter.audit.services import audit_checkpoint


class Command(BaseCommand):
    help = (
        "Write a signed checkpoint of the audit chain (last sequence number and hash) to the configured "
        "stores. Run it from a timer; it writes nothing when the latest checkpoint is still current."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="Database alias (default: default).")
        parser.add_argument("--force", action="store_true", help="Write a checkpoint even if nothing changed.")

    def handle(self, *args, database, force, **options):
        try:
            checkpoint = audit_checkpoint(using=database, force=force)
        except CheckpointError as exc:
            raise CommandError(str(exc)) from None
        stores = ", ".join(str(store) for store in configured_stores())
        if checkpoint is None:
            self.stdout.write("Nothing to do: the log is empty or the latest checkpoint covers its end.")
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Checkpoint written to {stores}: event #{checkpoint.seq}, {checkpoint.hash}")
            )
