import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from trustcenter.exports.services import bundle_export, export_date, policy_export
from trustcenter.policies.models import Policy


class Command(BaseCommand):
    help = (
        "Export policies as dated PDFs for offline use, e.g. to attach to an email: the current "
        "version of each named policy, or with --all every public policy and the whole trust center."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", metavar="SLUG", help="policies to export (their current version)")
        parser.add_argument(
            "--all", action="store_true", help="every public policy plus the whole trust center in one PDF"
        )
        parser.add_argument("--date", help="export date to print on the PDFs, YYYY-MM-DD (default: today)")
        parser.add_argument("--out", default=".", help="folder to write the PDFs to (default: the current folder)")

    def handle(self, *args, slugs, all, date, out, **options):  # noqa: A002 - the option is --all
        if not slugs and not all:
            raise CommandError("Name one or more policies (e.g. `export_pdf data-protection`) or use --all.")
        if slugs and all:
            raise CommandError("Use either policy names or --all, not both.")
        day = self._date(date)
        folder = Path(out)
        if folder.exists() and not folder.is_dir():
            raise CommandError(f"--out {folder}: not a folder")
        published = {p.slug: p for p in Policy.objects.published().select_related("current_version__category")}
        if all:
            policies = [p for p in published.values() if p.is_public]
        else:
            unknown = [slug for slug in slugs if slug not in published]
            if unknown:
                known = ", ".join(sorted(published)) or "none; run `manage.py publish` first"
                raise CommandError(f"No published policy {', '.join(map(repr, unknown))}. Published policies: {known}")
            policies = [published[slug] for slug in dict.fromkeys(slugs)]
            nda = [p.slug for p in policies if not p.is_public]
            if nda:
                raise CommandError(
                    f"{', '.join(nda)} is shared under NDA; export it from the site as a signed-in reader, "
                    "so the copy carries the reader's watermark."
                )
        folder.mkdir(parents=True, exist_ok=True)
        exported = []
        for policy in policies:
            version = policy.current_version
            version.policy = policy
            exported.append(policy_export(version=version, day=day))
        if all:
            exported.append(bundle_export(day=day))
        for pdf in exported:
            path = folder / pdf.filename
            path.write_bytes(pdf.data)
            self.stdout.write(f"{path} ({len(pdf.data) // 1024} KB{', rendered' if pdf.rendered else ', cached'})")
        self.stdout.write(
            self.style.SUCCESS(f"Exported {len(exported)} PDF{'s' if len(exported) != 1 else ''} dated {day}.")
        )

    def _date(self, value: str | None) -> datetime.date:
        if not value:
            return export_date()
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--date {value!r}: use a date like 2026-11-29") from None
