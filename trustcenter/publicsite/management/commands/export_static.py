from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from trustcenter.publicsite.export import ExportError, site_export


class Command(BaseCommand):
    help = (
        "Write the public trust center (pages, feed, sitemap, robots.txt, security.txt, public PDFs, "
        "static files) to OUT as plain files with relative links, for any web server or CDN. "
        "Search, sign-in and gated downloads link to the app at --app-url."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", help="folder to write (created; an earlier export there is replaced)")
        parser.add_argument(
            "--base-url", help=f"public address the export is served at (default SITE_URL, {settings.SITE_URL})"
        )
        parser.add_argument(
            "--app-url", help="address of the running app, for search, sign-in, downloads (default SITE_URL)"
        )
        parser.add_argument("--language", default="", help=f"interface language (default {settings.LANGUAGE_CODE})")

    def handle(self, *args, out, base_url=None, app_url=None, language="", **options):
        try:
            report = site_export(out=Path(out), base_url=base_url, app_url=app_url, language=language)
        except ExportError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Exported {len(report.pages)} pages, {report.files} files ({report.bytes / 1024:.0f} KiB, "
            f"{report.static_files} static) to {report.out} in {report.seconds:.1f}s."
        )
        if report.app_links:
            self.stdout.write("Links to the app: " + ", ".join(sorted(report.app_links)[:12]))
