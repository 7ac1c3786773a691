from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from trustcenter.audit.checkpoints import Checkpoint, CheckpointError
from trustcenter.audit.services import audit_verify


class Command(BaseCommand):
    help = (
        "Check the audit log's keyed hash chain against the latest signed checkpoint; name the first "
        "missing or changed event and exit non-zero if there is one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="Database alias (default: default).")
        parser.add_argument(
            "--checkpoint",
            metavar="JSON_OR_FILE",
            help="Check against this checkpoint (a JSON line, e.g. from syslog, or a file holding one) "
            "instead of the latest one in the configured stores.",
        )

    def handle(self, *args, database, checkpoint=None, **options):
        given = None
        if checkpoint:
            text = checkpoint
            if "{" not in checkpoint:
                try:
                    text = Path(checkpoint).read_text().strip().splitlines()[-1]
                except (OSError, IndexError) as exc:
                    raise CommandError(f"could not read a checkpoint from {checkpoint}: {exc}") from None
            # A syslog line carries a prefix before the JSON.
            text = text[text.index("{") :] if "{" in text else text
            try:
                given = Checkpoint.parse(text, where="the checkpoint given with --checkpoint")
            except CheckpointError as exc:
                raise CommandError(str(exc)) from None
        check = audit_verify(using=database, checkpoint=given)
        if not check.ok:
            raise CommandError(f"Audit chain broken at {check.describe()}.")
        if check.checkpoint is None:
            anchor = (
                f"No checkpoint yet (looked in {', '.join(check.stores)}); run `manage.py audit_checkpoint`."
                if check.stores
                else "No readable checkpoint store (syslog only): pass the latest with --checkpoint."
            )
        else:
            after = check.last_seq - check.checkpoint.seq
            anchor = (
                f"Matches the checkpoint of {check.checkpoint.time} at event #{check.checkpoint.seq}"
                f"; {after} later event(s) are covered by the key only."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {check.checked} event(s) verified. Last hash: {check.last_hash or 'none'}. "
                + anchor
            )
        )
