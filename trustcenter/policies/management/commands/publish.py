from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from trustcenter.core.branding import brand_notice
from trustcenter.core.company import company_path, load_company, parse_company
from trustcenter.lib.contentfiles import ContentError, ContentErrors, content_path
from trustcenter.policies.services import PUBLISH_STEPS, content_publish
from trustcenter.policies.sources import collect_sources


class Command(BaseCommand):
    help = (
        "Publish the content folder (company.yaml, policies/*.md, history/<slug>/v<N>.md). "
        "Unchanged files do nothing; changed text needs a higher `version`. "
        "Any error rolls back the whole run."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="content folder (default: CONTENT_DIR, ./content)")
        parser.add_argument(
            "--check",
            action="store_true",
            help="validate without writing anything (for CI on a content repository)",
        )

    def handle(self, *args, path=None, check=False, **options):
        root = Path(path or settings.CONTENT_DIR)
        if not root.is_dir():
            raise CommandError(f"{root}: not a folder; pass the content folder that holds company.yaml")
        try:
            if check and "policies_policy" not in connection.introspection.table_names():
                # No database yet (e.g. CI on a content repository): check the files alone.
                company_file = company_path(root)
                company = parse_company(company_file.read_text(encoding="utf-8"), path=content_path(company_file, root))
                sources = collect_sources(root, categories=company.category_slugs())
                others = [f"{step.check_files(root=root, company=company)} {step.name}" for step in PUBLISH_STEPS]
                self._brand_notice(company.primary_color)
                self.stdout.write(f"OK: {len(sources)} policy versions are valid (files only, no database).")
                for item in others:
                    self.stdout.write(f"OK: {item} are valid.")
                return
            report = content_publish(root=root, check=check)
        except (ContentError, ContentErrors) as exc:
            errors = exc.errors if isinstance(exc, ContentErrors) else [exc]
            for error in errors:
                self.stderr.write(str(error))
            noun = "error" if len(errors) == 1 else "errors"
            raise CommandError(f"{len(errors)} {noun}; nothing was published.") from None
        except FileNotFoundError as exc:
            raise CommandError(f"{exc.filename}: file not found") from None

        self._brand_notice(load_company(root).primary_color)
        for line in report.lines:
            self.stdout.write(line)
        summary = (
            f"{report.created} created, {report.reviewed} review dates updated, {report.unchanged} unchanged, "
            f"{report.categories_changed} categories changed."
        )
        if check:
            self.stdout.write(f"OK (check only, nothing written): {summary}")
        elif report.changed:
            self.stdout.write(self.style.SUCCESS(f"Published: {summary}"))
        else:
            self.stdout.write(f"No change: {summary}")

    def _brand_notice(self, color: str) -> None:
        notice = brand_notice(color)
        if notice:
            self.stderr.write(self.style.WARNING(f"Note: {notice}"))
