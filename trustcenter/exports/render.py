"""HTML for the PDF exports, and the one function that turns it into PDF bytes.

Output is deterministic: the same content, company profile, templates and export date
give byte-identical files (the creation date is the export date, the file identifier is
derived from the cache key, fonts come from pinned packages).
"""

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import version as package_version
from pathlib import Path

from django.conf import settings
from django.template.loader import get_template, render_to_string
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from trustcenter.core.company import Company, company_path, load_company
from trustcenter.exports.fetcher import FONT_FACES, ExportURLFetcher, base_url, font_file, fonts_css
from trustcenter.policies.models import Category, Policy, PolicyVersion

# Raise when the exported document changes in a way the template files do not show
# (e.g. render options below); cached PDFs of the old format are then no longer served.
FORMAT_VERSION = 1
PDF_VARIANT = "pdf/ua-1"
TEMPLATES = (
    "exports/policy.html",
    "exports/bundle.html",
    "exports/_cover.html",
    "exports/_running.html",
    "exports/_policy_body.html",
)
STYLESHEET = "css/pdf.css"


@lru_cache(maxsize=1)
def template_version() -> str:
    """A digest of everything that shapes a PDF besides its content, so a deploy that
    changes a template, the print CSS, a font or WeasyPrint renders afresh."""
    digest = hashlib.sha256(f"format {FORMAT_VERSION}\n".encode())
    for name in TEMPLATES:
        digest.update(Path(get_template(name).origin.name).read_bytes())
    for root in settings.STATICFILES_DIRS:
        css = Path(root) / STYLESHEET
        if css.is_file():
            digest.update(css.read_bytes())
            break
    for package in ("weasyprint", "pydyf"):
        digest.update(f"{package}=={package_version(package)}\n".encode())
    for face in FONT_FACES:
        digest.update(font_file(face).read_bytes())
    return digest.hexdigest()[:16]


def company_digest() -> str:
    """The company profile (and its logo) as they are now; part of every cache key."""
    digest = hashlib.sha256()
    path = company_path()
    digest.update(path.read_bytes())
    company = load_company()
    if company.logo:
        fetcher = ExportURLFetcher()
        found = fetcher.resolve(f"{fetcher.static_prefix}{company.logo}")
        if found:
            digest.update(found[0].read_bytes())
    return digest.hexdigest()[:16]


def company_slug(company: Company) -> str:
    return slugify(company.name) or "trust-center"


def policy_filename(company: Company, version: PolicyVersion, day: datetime.date) -> str:
    return f"{company_slug(company)}-{version.policy.slug}-v{version.number}-{day.isoformat()}.pdf"


def bundle_filename(company: Company, day: datetime.date) -> str:
    return f"{company_slug(company)}-trust-center-{day.isoformat()}.pdf"


_ID_RE = re.compile(r'(<h[1-6][^>]*\sid=")([^"]+)(")')
_HASH_LINK_RE = re.compile(r'(<a\s[^>]*href=")#([^"]*)(")')


def _prefix_ids(body_html: str, prefix: str) -> str:
    """Make heading anchors unique when several policies share one document."""
    body_html = _ID_RE.sub(lambda m: f"{m[1]}{prefix}{m[2]}{m[3]}", body_html)
    return _HASH_LINK_RE.sub(lambda m: f"{m[1]}#{prefix}{m[2]}{m[3]}", body_html)


def _prefix_toc(entries: list[dict], prefix: str) -> list[dict]:
    return [
        {**entry, "id": f"{prefix}{entry['id']}", "children": _prefix_toc(entry.get("children") or [], prefix)}
        for entry in entries
    ]


@dataclass
class Section:
    """One policy version as it appears in an export."""

    version: PolicyVersion
    reviewed: datetime.date
    anchor: str
    body_html: str
    toc: list[dict] = field(default_factory=list)
    is_current: bool = True

    @property
    def url(self) -> str:
        return base_url() + self.version.get_absolute_url().lstrip("/")


def section_for(version: PolicyVersion, *, prefix: str = "") -> Section:
    policy = version.policy
    is_current = version.pk == policy.current_version_id
    reviewed = policy.last_reviewed if is_current and policy.last_reviewed else version.reviewed
    return Section(
        version=version,
        reviewed=reviewed,
        anchor=f"{prefix}top",
        # body_html was sanitized at publication; only anchors are rewritten here.
        body_html=mark_safe(_prefix_ids(version.body_html, prefix)),  # noqa: S308
        toc=_prefix_toc(version.toc or [], prefix),
        is_current=is_current,
    )


def _common_context(day: datetime.date) -> dict:
    company = load_company()
    static = base_url() + "static/"
    return {
        "company": company,
        "export_date": day,
        "export_date_iso": day.isoformat(),
        "stylesheet_url": static + STYLESHEET,
        "logo_url": static + company.logo if company.logo else "",
        "site_url": base_url(),
    }


def policy_html(version: PolicyVersion, *, day: datetime.date) -> str:
    section = section_for(version)
    facts = [
        (
            _("Version"),
            _("%(number)s (current)") % {"number": version.number}
            if section.is_current
            else _("%(number)s (superseded)") % {"number": version.number},
        ),
        (_("Effective"), version.effective.isoformat()),
        (_("Last reviewed"), section.reviewed.isoformat()),
    ]
    if version.owner:
        facts.append((_("Owner"), version.owner))
    facts.append((_("Classification"), _("Public") if version.is_public else _("Confidential, under NDA")))
    facts.append((_("Exported"), day.isoformat()))
    context = _common_context(day) | {
        "section": section,
        "version": version,
        "eyebrow": _("Security policy"),
        "facts": facts,
        "confidential": not version.is_public,
        "running_title": _("%(title)s · Version %(number)s") % {"title": version.title, "number": version.number},
        "classification": _("Public") if version.is_public else _("Confidential · NDA"),
        "online_url": base_url() + version.policy.get_absolute_url().lstrip("/"),
        "footnote": _("%(title)s, version %(number)s, exported %(date)s.")
        % {"title": version.title, "number": version.number, "date": day.isoformat()},
    }
    return render_to_string("exports/policy.html", context)


def bundle_versions() -> list[PolicyVersion]:
    """The current version of every public policy, in category order then title."""
    policies = (
        Policy.objects.public()
        .select_related("current_version", "current_version__category", "category")
        .order_by("category__order", "category__name", "title")
    )
    versions = []
    for policy in policies:
        version = policy.current_version
        version.policy = policy
        versions.append(version)
    return versions


def bundle_context(versions: list[PolicyVersion], *, day: datetime.date) -> dict:
    categories: list[tuple[Category, list[Section]]] = []
    for version in versions:
        section = section_for(version, prefix=f"{version.policy.slug}--")
        if not categories or categories[-1][0].pk != version.policy.category_id:
            categories.append((version.policy.category, []))
        categories[-1][1].append(section)
    context = _common_context(day)
    company = context["company"]
    title = _("%(company)s Trust Center") % {"company": company.name}
    current_certs = [cert.name for cert in company.certifications if cert.status == "current"]
    facts = [
        (_("Policies"), str(len(versions))),
        (_("Categories"), str(len(categories))),
    ]
    if current_certs:
        facts.append((_("Certifications"), ", ".join(current_certs)))
    facts += [(_("Classification"), _("Public")), (_("Exported"), day.isoformat())]
    return context | {
        "categories": categories,
        "policy_count": len(versions),
        "title": title,
        "subject": _("Security policies, certifications and subprocessors of %(company)s, exported %(date)s.")
        % {"company": company.name, "date": day.isoformat()},
        "eyebrow": _("Security and trust"),
        "facts": facts,
        "confidential": False,
        "running_title": title,
        "classification": _("Public"),
        "online_url": base_url(),
        "footnote": _("%(title)s, exported %(date)s.") % {"title": title, "date": day.isoformat()},
    }


def bundle_html(versions: list[PolicyVersion], *, day: datetime.date) -> str:
    return render_to_string("exports/bundle.html", bundle_context(versions, day=day))


def render_pdf(html: str, *, identifier: str) -> bytes:
    """Lay out `html` and write a tagged (PDF/UA-1) PDF.

    Every resource goes through ExportURLFetcher. File attachments (`rel=attachment`)
    are removed after layout, so nothing can be embedded into the file, whatever URL.
    """
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fetcher = ExportURLFetcher()
    font_config = FontConfiguration()
    fonts = CSS(string=fonts_css(), base_url=base_url(), url_fetcher=fetcher, font_config=font_config)
    # primary_color is validated as #rrggbb when company.yaml is loaded.
    brand = CSS(string=f":root {{ --brand: {load_company().primary_color}; }}", font_config=font_config)
    options = {"pdf_variant": PDF_VARIANT, "pdf_tags": True, "stylesheets": [fonts, brand]}
    document = HTML(string=html, base_url=base_url(), url_fetcher=fetcher).render(font_config=font_config, **options)
    document.metadata.attachments = []
    for page in document.pages:
        page.links[:] = [link for link in page.links if link[0] != "attachment"]
    pdf_id = hashlib.sha256(identifier.encode()).hexdigest()[:32].encode()
    return document.write_pdf(pdf_identifier=pdf_id, **options)
