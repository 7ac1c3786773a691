"""Multi-step actions on the answer library: save, approve, cite, build the ranking index."""

import threading

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from trustcenter.markup import render_markdown
from trustcenter.policies.models import Policy, PolicyVersion
from trustcenter.questionnaires.models import Answer, AnswerStatus, Citation
from trustcenter.questionnaires.ranking import Document, Index
from trustcenter.questionnaires.sections import Section, find_section, version_sections


def citation_resolve(reference: str, *, policies: dict[str, Policy] | None = None) -> tuple[Policy, Section]:
    """Turn "policy-slug#heading-anchor" into the published policy and its current section.

    `policies` (slug to published policy with its current version) saves a query per call
    when resolving many citations."""
    reference = reference.strip()
    slug, sep, anchor = reference.partition("#")
    if not sep or not slug or not anchor:
        raise ValidationError(
            _("'%(ref)s' is not a citation: write policy-slug#section-anchor, e.g. data-protection#encryption-at-rest.")
            % {"ref": reference}
        )
    if policies is not None:
        policy = policies.get(slug)
    else:
        policy = Policy.objects.published().select_related("current_version").filter(slug=slug).first()
    if policy is None:
        raise ValidationError(_("No published policy has the address '%(slug)s'.") % {"slug": slug})
    section = find_section(policy.current_version, anchor)
    if section is None:
        anchors = ", ".join(s.anchor for s in version_sections(policy.current_version))
        raise ValidationError(
            _("%(policy)s (version %(number)d) has no section '%(anchor)s'. Its sections are: %(anchors)s.")
            % {
                "policy": policy.title,
                "number": policy.current_version.number,
                "anchor": anchor,
                "anchors": anchors,
            }
        )
    return policy, section


def citations_parse(text: str) -> list[tuple[Policy, Section]]:
    """One citation per line; every bad line is reported with its line number."""
    resolved, errors, seen = [], [], set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            policy, section = citation_resolve(line)
        except ValidationError as exc:
            errors.append(_("Line %(n)d: %(error)s") % {"n": number, "error": " ".join(exc.messages)})
            continue
        if (policy.pk, section.anchor) not in seen:
            seen.add((policy.pk, section.anchor))
            resolved.append((policy, section))
    if errors:
        raise ValidationError(errors)
    return resolved


def published_policies() -> dict[str, Policy]:
    return {p.slug: p for p in Policy.objects.published().select_related("current_version")}


def _write_citations(
    answer: Answer, citations: list[tuple[Policy, Section]], *, refresh: bool, new: bool = False
) -> None:
    """Replace the answer's citations. Existing ones keep the version they were checked
    against unless `refresh` (a review) moves them to the current version."""
    if new:
        Citation.objects.bulk_create(
            Citation(
                answer=answer,
                policy=policy,
                anchor=section.anchor,
                heading=section.title[:200],
                version_number=policy.current_version.number,
                section_digest=section.digest,
                order=order,
            )
            for order, (policy, section) in enumerate(citations)
        )
        return
    existing = {(c.policy_id, c.anchor): c for c in answer.citations.all()}
    keep = set()
    for order, (policy, section) in enumerate(citations):
        key = (policy.pk, section.anchor)
        keep.add(key)
        citation = existing.get(key) or Citation(answer=answer, policy=policy, anchor=section.anchor)
        citation.order = order
        citation.heading = section.title[:200]
        if refresh or citation.pk is None:
            citation.version_number = policy.current_version.number
            citation.section_digest = section.digest
        citation.full_clean(exclude=["answer", "policy"])
        citation.save()
    for key, citation in existing.items():
        if key not in keep:
            citation.delete()


@transaction.atomic
def answer_save(*, answer: Answer, citations: list[tuple[Policy, Section]], actor, approve: bool = False) -> Answer:
    """Create or update a library answer.

    `approve` marks it approved and reviewed today by `actor`, which also moves its
    citations to the current policy versions. Saving without approving keeps an approved
    answer approved only when nothing a reader sees changed; otherwise it returns to
    draft until a security admin approves it again.
    """
    if answer.pk and not approve and answer.status == AnswerStatus.APPROVED:
        before = Answer.objects.get(pk=answer.pk)
        changed = any(
            getattr(before, f) != getattr(answer, f) for f in ("question", "short_answer", "full_answer")
        ) or {(c.policy_id, c.anchor) for c in before.citations.all()} != {(p.pk, s.anchor) for p, s in citations}
        if changed:
            answer.status = AnswerStatus.DRAFT
            answer.show_in_faq = False
    if approve:
        answer.status = AnswerStatus.APPROVED
        answer.last_reviewed = timezone.localdate()
        answer.reviewed_by = actor
    answer.full_answer_html = render_markdown(answer.full_answer).html
    answer.updated_by = actor
    answer.full_clean()
    answer.save()
    _write_citations(answer, citations, refresh=approve)
    return answer


@transaction.atomic
def answer_approve(*, answer: Answer, actor) -> Answer:
    """Approve (or re-review) an answer as it stands: reviewed today, citations checked
    against the current policy versions. Refuses citations that no longer resolve."""
    citations = []
    for citation in answer.citations.select_related("policy__current_version"):
        citations.append(citation_resolve(f"{citation.policy.slug}#{citation.anchor}"))
    return answer_save(answer=answer, citations=citations, actor=actor, approve=True)


# The ranking index -------------------------------------------------------------------

_index_lock = threading.Lock()
_index_cache: dict = {}


def _library_signature() -> tuple:
    answers = Answer.objects.approved().aggregate(n=Count("pk"), latest=Max("updated_at"))
    versions = tuple(Policy.objects.published().order_by("pk").values_list("current_version_id", flat=True))
    citations = Citation.objects.filter(answer__status=AnswerStatus.APPROVED).aggregate(n=Count("pk"), m=Max("pk"))
    return (answers["n"], answers["latest"], versions, citations["n"], citations["m"])


def _section_source(version: PolicyVersion, section: Section) -> dict:
    path = f"{version.policy.get_absolute_url()}#{section.anchor}"
    return {
        "policy": version.policy.slug,
        "policy_title": version.policy.title,
        "version": version.number,
        "anchor": section.anchor,
        "heading": section.title,
        "path": path,
        "url": settings.SITE_URL + path,
        "visibility": version.visibility,
    }


def _excerpt(text: str, limit: int = 700) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit] + " ..."


def library_documents() -> list[Document]:
    documents = []
    versions = {
        v.policy_id: v
        for v in PolicyVersion.objects.current().select_related("policy", "category").order_by("policy__slug")
    }
    answers = Answer.objects.approved().select_related("category").prefetch_related("citations__policy")
    for answer in answers.order_by("pk"):
        sources, cites = [], set()
        for citation in answer.citations.all():
            version = versions.get(citation.policy_id)
            section = find_section(version, citation.anchor) if version else None
            if section:
                sources.append(_section_source(version, section))
                cites.add(f"section:{citation.policy.slug}#{citation.anchor}")
        documents.append(
            Document(
                key=f"answer:{answer.pk}",
                kind="answer",
                title=answer.question,
                short_answer=answer.short_answer,
                detail=answer.full_answer,
                source=sources[0] if sources else {},
                fields=[
                    (answer.question, 3.0),
                    (answer.tags.replace(",", " "), 2.0),
                    (answer.short_answer, 1.0),
                    (answer.full_answer, 1.0),
                    (answer.category.name if answer.category else "", 0.5),
                ],
                cites=frozenset(cites),
                answer_pk=answer.pk,
                sources=sources,
            )
        )
    for version in versions.values():
        for section in version_sections(version):
            if section.level > 3 or not section.text:
                continue
            documents.append(
                Document(
                    key=f"section:{version.policy.slug}#{section.anchor}",
                    kind="section",
                    title=f"{version.policy.title}: {section.title}",
                    short_answer="",
                    detail=_excerpt(section.text),
                    source=_section_source(version, section),
                    fields=[
                        (section.title, 3.0),
                        (section.parent_title, 1.0),
                        (version.title, 1.0),
                        (section.text, 1.0),
                    ],
                    boost=0.85,
                )
            )
    return documents


def library_index() -> Index:
    """The ranking index for the current library and policies, rebuilt when either changes."""
    signature = _library_signature()
    with _index_lock:
        cached = _index_cache.get("index")
        if cached and cached[0] == signature:
            return cached[1]
    index = Index(library_documents(), threshold=settings.QUESTIONNAIRE_EXPERT_THRESHOLD)
    with _index_lock:
        _index_cache["index"] = (signature, index)
    return index
