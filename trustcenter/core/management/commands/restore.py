from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from trustcenter.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty deployment (a migrated, empty database "
        "and empty private storage). Verifies every SHA-256 first; restores everything or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="The backup archive (.tar.gz)")
        parser.add_argument("--database", default="default", help="Database alias (default: default).")

    def handle(self, *args, archive, database, **options):
        try:
            summary = backup_restore(archive_path=archive, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(summary.rows.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {rows} row(s) and {summary.files} file(s) ({summary.bytes} bytes) from {archive}."
            )
        )
        self.stdout.write(
            "Next: `manage.py verify_audit` (same AUDIT_HMAC_KEY), `manage.py audit_checkpoint` if the "
            "checkpoint store is new, then start the app servers."
        )
