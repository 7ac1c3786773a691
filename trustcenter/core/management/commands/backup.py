from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from trustcenter.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write the database (portable JSON) and every private file to OUT (.tar.gz), with a manifest "
        "holding the SHA-256 of everything. Restore with `manage.py restore OUT`."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", type=Path, help="The archive to write, e.g. trustcenter-2026-11-29.tar.gz")
        parser.add_argument("--database", default="default", help="Database alias (default: default).")

    def handle(self, *args, out, database, **options):
        try:
            summary = backup_create(out=out, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(summary.rows.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {out}: {rows} row(s) in {sum(1 for c in summary.rows.values() if c)} table(s), "
                f"{summary.files} file(s) ({summary.bytes} bytes)."
            )
        )
        self.stdout.write(f"SHA-256 of its manifest: {summary.manifest_sha256} (keep it to prove the backup unchanged)")
