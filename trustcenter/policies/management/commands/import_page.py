from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.text import slugify

from trustcenter.core.company import company_path, parse_company
from trustcenter.lib.contentfiles import ContentError, ContentErrors
from trustcenter.policies.page_import import page_import

MAX_PAGE_BYTES = 5 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "Turn a saved security web page (FILE.html) into content/policies/<slug>.md with front matter "
        "to complete. Headings, lists, links and tables are kept; navigation, scripts and site furniture "
        "are not. Complete the front matter, then run `publish`."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the saved page, e.g. security.html (Save Page As… in a browser)")
        parser.add_argument("--slug", help="file name and address of the policy (default: from the page title)")
        parser.add_argument(
            "--base-url", default="", help="the page's address, to turn its relative links into full ones"
        )
        parser.add_argument("--content", help="content folder (default: CONTENT_DIR, ./content)")

    def handle(self, *args, file, slug=None, base_url="", content=None, **options):
        source = Path(file)
        root = Path(content or settings.CONTENT_DIR)
        if not source.is_file():
            raise CommandError(
                f"{source}: no such file; save the page from your browser first (Save Page As…, HTML only)"
            )
        if source.stat().st_size > MAX_PAGE_BYTES:
            raise CommandError(
                f"{source}: {source.stat().st_size:,} bytes; a page to import can be at most {MAX_PAGE_BYTES:,}"
            )
        raw = source.read_bytes()
        try:
            html = raw.decode("utf-8")
        except UnicodeDecodeError:
            html = raw.decode("cp1252", errors="replace")
        page = page_import(html=html, base_url=base_url)
        if not page.markdown.strip():
            raise CommandError(
                f"{source}: no text left once navigation and scripts are taken out; is it the right page?"
            )
        slug = slug or slugify(page.title) or source.stem
        if slugify(slug) != slug:
            raise CommandError(f"--slug {slug!r}: use lowercase letters, digits and hyphens, e.g. {slugify(slug)!r}")
        target = root / "policies" / f"{slug}.md"
        if target.exists():
            raise CommandError(f"{target}: already exists; choose another name with --slug, or remove it first")
        try:
            company = parse_company(company_path(root).read_text(encoding="utf-8"), path=str(company_path(root)))
            categories = sorted(company.category_slugs())
        except (FileNotFoundError, ContentError, ContentErrors):
            categories = []
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.policy_file(categories=categories, today=timezone.localdate()), encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {target}"))
        for note in page.notes:
            self.stdout.write(f"  note: {note}")
        self.stdout.write(
            "Next: fill in `category` and `owner` (and check `title` and `summary`) in its front matter, "
            "then run `manage.py publish --check` and `manage.py publish`."
        )
