"""The company profile, read from `content/company.yaml`.

The file is parsed and validated once and cached until it changes on disk, so every
page can use the profile without reading the file per request.
"""

import datetime
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from trustcenter.lib.contentfiles import ContentError, ContentErrors, as_date, load_yaml_mapping
from trustcenter.lib.markup import render_markdown

CERTIFICATION_STATUSES = {
    "current": gettext_lazy("Current"),
    "in_progress": gettext_lazy("In progress"),
    "planned": gettext_lazy("Planned"),
    "expired": gettext_lazy("Expired"),
}
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class CategoryInfo:
    slug: str
    name: str
    description: str
    order: int


@dataclass(frozen=True)
class Certification:
    name: str
    status: str
    scope: str
    description: str = ""
    auditor: str = ""
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None

    @property
    def status_label(self) -> str:
        return CERTIFICATION_STATUSES[self.status]


@dataclass(frozen=True)
class Subprocessor:
    name: str
    purpose: str
    data: str
    location: str
    website: str = ""


@dataclass(frozen=True)
class FaqEntry:
    question: str
    answer_html: SafeString


@dataclass(frozen=True)
class Company:
    name: str
    legal_name: str
    tagline: str
    description: str
    website: str
    logo: str
    primary_color: str
    security_email: str
    disclosure_url: str
    preferred_languages: tuple[str, ...]
    # The language content/ is written in; the interface may be in another (marked with `lang`).
    content_language: str = "en"
    categories: tuple[CategoryInfo, ...] = field(default_factory=tuple)
    certifications: tuple[Certification, ...] = field(default_factory=tuple)
    subprocessors: tuple[Subprocessor, ...] = field(default_factory=tuple)
    faq: tuple[FaqEntry, ...] = field(default_factory=tuple)
    # Days between publishing a subprocessor change and the day it takes effect (customers may object meanwhile).
    subprocessor_notice_days: int = 30

    def category_slugs(self) -> set[str]:
        return {c.slug for c in self.categories}


class _Profile:
    """The parsed YAML of company.yaml, with the line of each key and the errors found so far."""

    def __init__(self, text: str, *, path: str):
        self.data, self.lines = load_yaml_mapping(text, path=path)
        self.path = path
        self.errors: list[ContentError] = []

    def error(self, key: str, message: str) -> None:
        self.errors.append(ContentError(self.path, self.lines.get(key, 1), message))

    def text(self, key: str, *, required: bool = True) -> str:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.error(key, f"`{key}` is required")
            return ""
        if not isinstance(value, str | int | float):
            self.error(key, f"`{key}` must be text")
            return ""
        return str(value).strip()

    def items(self, key: str) -> list:
        """The entries of an optional list (certifications, subprocessors, faq)."""
        return self.data.get(key) or []


def _primary_color(profile: _Profile) -> str:
    color = profile.text("primary_color", required=False) or "#1d4ed8"
    if not COLOR_RE.match(color):
        profile.error("primary_color", f"`primary_color` must look like #1d4ed8, got {color!r}")
        return "#1d4ed8"
    return color


def _security_contact(profile: _Profile) -> dict:
    contact = profile.data.get("security_contact") or {}
    if not isinstance(contact, dict) or not contact.get("email"):
        profile.error("security_contact", "`security_contact.email` is required")
        return contact if isinstance(contact, dict) else {}
    return contact


def _content_language(profile: _Profile) -> str:
    language = profile.text("language", required=False) or "en"
    if not LANGUAGE_RE.match(language):
        profile.error("language", f"`language` must be a language tag like en or de, got {language!r}")
    return language


def _categories(profile: _Profile) -> list[CategoryInfo]:
    raw = profile.data.get("categories")
    if not isinstance(raw, list) or not raw:
        profile.error("categories", "`categories` must list at least one category")
        return []
    categories, seen = [], set()
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not item.get("slug") or not item.get("name"):
            profile.error("categories", f"category #{index + 1} needs `slug` and `name`")
            continue
        slug = str(item["slug"])
        if not SLUG_RE.match(slug) or slug in seen:
            profile.error("categories", f"category slug {slug!r} must be unique, lowercase-with-hyphens")
            continue
        seen.add(slug)
        categories.append(CategoryInfo(slug, str(item["name"]), str(item.get("description") or ""), index))
    return categories


def _certifications(profile: _Profile) -> list[Certification]:
    certifications = []
    for index, item in enumerate(profile.items("certifications")):
        if not isinstance(item, dict) or not item.get("name"):
            profile.error("certifications", f"certification #{index + 1} needs a `name`")
            continue
        status = str(item.get("status") or "")
        if status not in CERTIFICATION_STATUSES:
            allowed = ", ".join(CERTIFICATION_STATUSES)
            profile.error("certifications", f"certification {item['name']!r}: `status` must be one of {allowed}")
            continue
        dates = {}
        for key in ("period_start", "period_end"):
            if item.get(key) is not None:
                dates[key] = as_date(item[key])
                if dates[key] is None:
                    profile.error(
                        "certifications", f"certification {item['name']!r}: `{key}` must be a date like 2026-01-31"
                    )
        certifications.append(
            Certification(
                name=str(item["name"]),
                status=status,
                scope=str(item.get("scope") or ""),
                description=str(item.get("description") or ""),
                auditor=str(item.get("auditor") or ""),
                period_start=dates.get("period_start"),
                period_end=dates.get("period_end"),
            )
        )
    return certifications


def _subprocessors(profile: _Profile) -> list[Subprocessor]:
    subprocessors = []
    for index, item in enumerate(profile.items("subprocessors")):
        if not isinstance(item, dict) or not item.get("name"):
            profile.error("subprocessors", f"subprocessor #{index + 1} needs a `name`")
            continue
        subprocessors.append(
            Subprocessor(
                name=str(item["name"]),
                purpose=str(item.get("purpose") or ""),
                data=str(item.get("data") or ""),
                location=str(item.get("location") or ""),
                website=str(item.get("website") or ""),
            )
        )
    return subprocessors


def _notice_days(profile: _Profile) -> int:
    days = profile.data.get("subprocessor_notice_days", 30)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 365:
        profile.error(
            "subprocessor_notice_days",
            f"`subprocessor_notice_days` must be a whole number of days from 0 to 365, got {days!r}",
        )
        return 30
    return days


def _faq(profile: _Profile) -> list[FaqEntry]:
    faq = []
    for index, item in enumerate(profile.items("faq")):
        if not isinstance(item, dict) or not item.get("question") or not item.get("answer"):
            profile.error("faq", f"FAQ entry #{index + 1} needs `question` and `answer`")
            continue
        # render_markdown sanitizes, so the result is safe to mark as such.
        answer_html = mark_safe(render_markdown(str(item["answer"])).html)  # noqa: S308 - sanitized by render_markdown
        faq.append(FaqEntry(str(item["question"]), answer_html))
    return faq


def parse_company(text: str, *, path: str) -> Company:
    """Parse and validate the company profile; raise ContentErrors listing every problem."""
    profile = _Profile(text, path=path)
    name = profile.text("name")
    tagline = profile.text("tagline")
    optional = {key: profile.text(key, required=False) for key in ("legal_name", "description", "website", "logo")}
    color = _primary_color(profile)
    contact = _security_contact(profile)
    content_language = _content_language(profile)
    languages = contact.get("preferred_languages") or ["en"]
    if isinstance(languages, str):
        languages = [languages]
    categories = _categories(profile)
    certifications = _certifications(profile)
    subprocessors = _subprocessors(profile)
    notice_days = _notice_days(profile)
    faq = _faq(profile)
    if profile.errors:
        raise ContentErrors(profile.errors)
    return Company(
        name=name,
        legal_name=optional["legal_name"] or name,
        tagline=tagline,
        description=optional["description"],
        website=optional["website"],
        logo=optional["logo"],
        primary_color=color,
        security_email=str(contact.get("email", "")),
        disclosure_url=str(contact.get("disclosure_url") or ""),
        preferred_languages=tuple(str(lang) for lang in languages),
        content_language=content_language,
        categories=tuple(categories),
        certifications=tuple(certifications),
        subprocessors=tuple(subprocessors),
        faq=tuple(faq),
        subprocessor_notice_days=notice_days,
    )


_lock = threading.Lock()
_cache: dict[Path, tuple[float, Company]] = {}


def company_path(content_dir: Path | None = None) -> Path:
    return Path(content_dir or settings.CONTENT_DIR) / "company.yaml"


def load_company(content_dir: Path | None = None) -> Company:
    """The validated company profile, re-read only when the file changes."""
    path = company_path(content_dir)
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        raise ContentErrors(
            [ContentError(str(path), 1, "file not found; every trust center needs a company.yaml")]
        ) from None
    with _lock:
        cached = _cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
    company = parse_company(path.read_text(encoding="utf-8"), path=str(path))
    with _lock:
        _cache[path] = (mtime, company)
    return company
