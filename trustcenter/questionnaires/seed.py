"""Loading the seed answer library from YAML, all or nothing, with `path:line` errors."""

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from trustcenter.lib.contentfiles import ContentError, ContentErrors
from trustcenter.lib.markup import render_markdown
from trustcenter.policies.models import Category
from trustcenter.questionnaires.models import Answer, AnswerStatus
from trustcenter.questionnaires.services import citation_resolve, citations_write, published_policies

# The C parser when PyYAML was built with libyaml (it is in the usual wheels): the seed file
# is large enough for the pure-Python parser to take a second.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SEED_FILE = Path(__file__).resolve().parent / "seed" / "answers.yaml"
REQUIRED = ("key", "question", "short", "answer")
KNOWN = {"key", "question", "short", "answer", "category", "tags", "cite", "faq", "owner", "reviewed"}


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_edited: list[str] = field(default_factory=list)


def _entries(text: str, path: str):
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.context_mark or exc.problem_mark
        raise ContentErrors(
            [ContentError(path, (mark.line + 1) if mark else 1, f"invalid YAML: {exc.problem}")]
        ) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict) or not isinstance(data.get("answers"), list):
        raise ContentErrors([ContentError(path, 1, "expected a mapping with an 'answers:' list")])
    answers_node = next(v for k, v in root.value if k.value == "answers")
    lines = [item.start_mark.line + 1 for item in answers_node.value]
    return data, list(zip(lines, data["answers"], strict=True))


def answers_seed(*, path: Path = SEED_FILE, check: bool = False) -> SeedReport:
    """Validate every seed answer (required keys, known category, citations that resolve to
    a published section), then create or update them in one transaction. Answers that staff
    edited since they were seeded are left alone."""
    text = path.read_text(encoding="utf-8")
    data, entries = _entries(text, str(path))
    default_reviewed = data.get("reviewed")
    default_owner = data.get("owner", "")
    categories = {c.slug: c for c in Category.objects.all()}
    policies = published_policies()
    errors, prepared, keys = [], [], set()
    for line, entry in entries:

        def fail(message, line=line):
            errors.append(ContentError(str(path), line, message))

        if not isinstance(entry, dict):
            fail("each answer must be a mapping")
            continue
        missing = [k for k in REQUIRED if not entry.get(k)]
        unknown = sorted(set(entry) - KNOWN)
        if missing:
            fail(f"missing {', '.join(missing)}")
            continue
        if unknown:
            fail(f"unknown key(s) {', '.join(unknown)}; known keys are {', '.join(sorted(KNOWN))}")
        key = str(entry["key"])
        if key in keys:
            fail(f"key '{key}' is used twice")
        keys.add(key)
        category = None
        if entry.get("category"):
            category = categories.get(entry["category"])
            if category is None:
                fail(
                    f"unknown category '{entry['category']}'; publish the content first "
                    f"or use one of {', '.join(sorted(categories))}"
                )
        reviewed = entry.get("reviewed", default_reviewed)
        if not isinstance(reviewed, datetime.date):
            fail("'reviewed' must be an ISO date such as 2026-11-02")
        citations = []
        for reference in entry.get("cite") or []:
            try:
                citations.append(citation_resolve(str(reference), policies=policies))
            except ValidationError as exc:
                fail(f"answer '{key}': " + " ".join(exc.messages))
        if not isinstance(entry["short"], str):
            fail(f"answer '{key}': 'short' must be text; quote Yes and No (\"Yes\") so YAML keeps them as words")
        prepared.append((key, entry, category, reviewed, citations))
    if errors:
        raise ContentErrors(errors)
    report = SeedReport()
    if check:
        return report
    with transaction.atomic():
        for key, entry, category, reviewed, citations in prepared:
            answer = Answer.objects.filter(seed_key=key).first()
            if answer is not None and answer.updated_by_id is not None:
                report.kept_edited.append(key)
                continue
            values = {
                "question": entry["question"].strip(),
                "short_answer": entry["short"].strip(),
                "full_answer": entry["answer"].strip(),
                "category": category,
                "tags": entry.get("tags", ""),
                "owner": entry.get("owner", default_owner),
                "show_in_faq": bool(entry.get("faq", False)),
                "status": AnswerStatus.APPROVED,
                "last_reviewed": reviewed,
            }
            if answer is None:
                answer = Answer(seed_key=key, **values)
                report.created.append(key)
            elif all(getattr(answer, f) == v for f, v in values.items()):
                report.unchanged.append(key)
                continue
            else:
                for f, v in values.items():
                    setattr(answer, f, v)
                report.updated.append(key)
            answer.full_answer_html = render_markdown(answer.full_answer).html
            # Uniqueness and the check constraints are enforced by the database itself.
            answer.full_clean(validate_unique=False, validate_constraints=False)
            is_new = answer.pk is None
            answer.save()
            citations_write(answer=answer, citations=citations, refresh=True, new=is_new)
    return report
