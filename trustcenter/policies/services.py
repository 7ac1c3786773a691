"""Publishing policies: the one path by which text becomes a PolicyVersion."""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from trustcenter.core.company import Company, company_path, parse_company
from trustcenter.lib.contentfiles import ContentError, ContentErrors, content_path
from trustcenter.lib.markup import render_markdown
from trustcenter.policies.models import Category, Policy, PolicyVersion
from trustcenter.policies.sources import PolicySource, collect_sources

CREATED = "created"
UNCHANGED = "unchanged"
REVIEWED = "review date updated"


@dataclass
class PublishReport:
    lines: list[str] = field(default_factory=list)
    created: int = 0
    unchanged: int = 0
    reviewed: int = 0
    categories_changed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.reviewed or self.categories_changed)


@dataclass(frozen=True)
class PublishStep:
    """A part of `publish` owned by an app above policies, which policies must not import.

    The app registers it from its AppConfig.ready(). `publish(*, root, company, created_versions,
    actor)` runs inside the publish transaction after the policies and returns report lines (one
    per thing it created); it raises ContentError(s) for bad files, which roll back the whole run.
    `check_files(*, root, company)` validates the files alone (`publish --check` without a
    database) and returns how many items it read.
    """

    name: str
    publish: Callable[..., list[str]]
    check_files: Callable[..., int]


PUBLISH_STEPS: list[PublishStep] = []


def publish_step_register(step: PublishStep) -> None:
    """Add a step to every later `publish` (once per name, so a reloaded app does not add it twice)."""
    if all(existing.name != step.name for existing in PUBLISH_STEPS):
        PUBLISH_STEPS.append(step)


class _CheckOnly(Exception):
    """Raised to roll back a `--check` run after every validation has passed."""


def categories_sync(*, company: Company) -> int:
    """Create or update the categories listed in company.yaml; return how many changed."""
    changed = 0
    for info in company.categories:
        category, created = Category.objects.get_or_create(
            slug=info.slug, defaults={"name": info.name, "description": info.description, "order": info.order}
        )
        if created:
            changed += 1
            continue
        if (category.name, category.description, category.order) != (info.name, info.description, info.order):
            category.name, category.description, category.order = info.name, info.description, info.order
            category.full_clean()
            category.save()
            changed += 1
    return changed


def _validate(instance, source: PolicySource, exclude=None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ContentError(source.path, 1, "; ".join(exc.messages)) from None


def policy_version_publish(*, source: PolicySource, actor=None) -> tuple[str, PolicyVersion]:
    """Publish one version of a policy from a validated source.

    Idempotent: the same text again changes nothing (except a later review date).
    Changed text under an already-published version number raises ContentError.
    Must run inside a transaction (the callers own it, so a batch rolls back as one).
    """
    category = Category.objects.filter(slug=source.category).first()
    if category is None:
        raise ContentError(source.path, 1, f"unknown category {source.category!r}; add it to company.yaml")
    policy = Policy.objects.select_for_update().filter(slug=source.slug).first()
    digest = source.content_hash()
    if policy is not None:
        existing = policy.versions.filter(number=source.version).first()
        if existing is not None:
            if existing.content_hash != digest:
                raise ContentError(
                    source.path,
                    source.version_line,
                    f"version {source.version} already published with other text; "
                    f"set `version: {policy.latest_number() + 1}` to publish this change",
                )
            if policy.current_version_id == existing.pk and (
                policy.last_reviewed is None or source.reviewed > policy.last_reviewed
            ):
                policy.last_reviewed = source.reviewed
                policy.save(update_fields=["last_reviewed"])
                return REVIEWED, existing
            return UNCHANGED, existing
        latest = policy.latest_number()
        if source.version < latest:
            raise ContentError(
                source.path,
                source.version_line,
                f"version {source.version} is older than the published version {latest}; "
                f"set `version: {latest + 1}` to publish this text as the newest",
            )

    rendered = render_markdown(source.body)
    if policy is None:
        policy = Policy(slug=source.slug)
    policy.title = source.title
    policy.summary = source.summary
    policy.category = category
    policy.visibility = source.visibility
    policy.owner = source.owner
    policy.last_reviewed = source.reviewed
    _validate(policy, source, exclude=["current_version"])
    policy.save()
    version = PolicyVersion(
        policy=policy,
        number=source.version,
        title=source.title,
        summary=source.summary,
        category=category,
        visibility=source.visibility,
        owner=source.owner,
        effective=source.effective,
        reviewed=source.reviewed,
        body_markdown=source.body,
        body_html=rendered.html,
        body_text=rendered.text,
        toc=rendered.toc,
        content_hash=digest,
        source=source.path,
        imported=source.imported,
        published_at=timezone.now(),
        published_by=actor,
    )
    _validate(version, source)
    version.save()
    policy.current_version = version
    policy.save(update_fields=["current_version"])
    return CREATED, version


def content_publish(*, root: Path, check: bool = False, actor=None) -> PublishReport:
    """Publish a content folder (company.yaml, policies/, history/, plus the registered
    PUBLISH_STEPS: the NDA, update posts) in one transaction.

    Every error is collected and raised together as ContentErrors; nothing is written
    unless the whole folder is valid. With `check=True` everything runs, then rolls back.
    """
    path = company_path(root)
    if not path.exists():
        raise ContentErrors([ContentError(str(path), 1, "file not found; a content folder needs company.yaml")])
    company = parse_company(path.read_text(encoding="utf-8"), path=content_path(path, root))
    sources = collect_sources(root, categories=company.category_slugs())
    report = PublishReport()
    try:
        with transaction.atomic():
            report.categories_changed = categories_sync(company=company)
            errors: list[ContentError] = []
            created_versions: list[PolicyVersion] = []
            for source in sources:
                try:
                    outcome, version = policy_version_publish(source=source, actor=actor)
                except ContentError as exc:
                    errors.append(exc)
                    continue
                if outcome == CREATED:
                    report.created += 1
                    created_versions.append(version)
                elif outcome == REVIEWED:
                    report.reviewed += 1
                else:
                    report.unchanged += 1
                if outcome != UNCHANGED:
                    report.lines.append(f"{outcome}: {source.slug} v{source.version} ({source.path})")
                    report.lines.extend(f"  note: {note}" for note in source.notes)
            for step in PUBLISH_STEPS:
                try:
                    lines = step.publish(root=root, company=company, created_versions=created_versions, actor=actor)
                except ContentErrors as exc:
                    errors.extend(exc.errors)
                except ContentError as exc:
                    errors.append(exc)
                else:
                    report.created += len(lines)
                    report.lines.extend(lines)
            if errors:
                raise ContentErrors(errors)
            if check:
                raise _CheckOnly
    except _CheckOnly:
        pass
    return report
