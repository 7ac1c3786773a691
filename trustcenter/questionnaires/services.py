"""Multi-step actions on the answer library: save, approve, cite, build the ranking index."""

import contextlib
import hashlib
import os
import re
import tempfile
import threading
from pathlib import Path

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from trustcenter.audit.services import audit_record
from trustcenter.lib.markup import render_markdown
from trustcenter.policies.models import Policy, PolicyVersion
from trustcenter.questionnaires.embedding import encode
from trustcenter.questionnaires.exporting import (
    ANSWER_COLUMNS,
    build_table,
    one_table,
    plain_text,
    with_answer,
    write_csv,
    write_xlsx,
)
from trustcenter.questionnaires.importing import (
    QUESTION,
    ImportError_,
    Sheet,
    answer_columns,
    holds_questions,
    identify,
    read_questionnaire,
    read_sheets,
)
from trustcenter.questionnaires.models import (
    Answer,
    AnswerStatus,
    Citation,
    Questionnaire,
    QuestionnaireRow,
    QuestionnaireStatus,
    RowKind,
    RowStatus,
)
from trustcenter.questionnaires.ranking import Document, Index, document_text
from trustcenter.questionnaires.reading import read_question
from trustcenter.questionnaires.rules import can_approve_answers
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


def citations_write(
    *, answer: Answer, citations: list[tuple[Policy, Section]], refresh: bool, new: bool = False
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
    citations_write(answer=answer, citations=citations, refresh=approve)
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
        # The version itself, whole: what a request for a copy of the policy is given.
        "version_url": settings.SITE_URL + version.get_absolute_url(),
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
                detail=plain_text(answer.full_answer),
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
                text=plain_text(answer.full_answer),
            )
        )
    for version in versions.values():
        enclosing: dict[int, str] = {}
        for section in version_sections(version):
            key = f"section:{version.policy.slug}#{section.anchor}"
            enclosing = {level: k for level, k in enclosing.items() if level < section.level}
            parent = enclosing[max(enclosing)] if enclosing else ""
            enclosing[section.level] = key
            if section.level > 3 or not section.text:
                continue
            documents.append(
                Document(
                    key=key,
                    kind="section",
                    title=f"{version.policy.title}: {section.title}",
                    short_answer="",
                    detail=_excerpt(section.prose),
                    source=_section_source(version, section),
                    fields=[
                        (section.title, 3.0),
                        (section.parent_title, 1.0),
                        (version.title, 1.0),
                        (section.text, 1.0),
                    ],
                    boost=0.85,
                    # Quotes come from the sentences of the section: a table row is one.
                    text=section.prose,
                    rows=dict((sentence, subject) for subject, sentence in section.rows),
                    parent=parent,
                )
            )
    # An approved answer carries the text of the sections it cites: a value it does not give
    # for the very thing asked may be in them (a table row).
    sections = {doc.key: doc for doc in documents if doc.kind == "section"}
    for doc in documents:
        cited = [sections[key] for key in sorted(doc.cites) if key in sections]
        if doc.kind == "answer" and cited:
            doc.evidence = " ".join(section.text for section in cited)
            doc.rows = {sentence: subject for section in cited for sentence, subject in section.rows.items()}
    return documents


DOCUMENT_TOKENS = 256  # a document's vector is taken from its title and first ~190 words (the model's limit)


def library_vectors(documents: list[Document]):
    """A sentence vector per document. Vectors are kept in QUESTIONNAIRE_VECTORS_FILE (in
    VAR_DIR) by a hash of the text they come from, so a document is encoded once (at publish
    or seed, or the first time the index is built) and not again for every process or every
    new version of another policy. Processes that find vectors missing at the same time take
    turns: the first encodes them, the others then read them (encoding the demo library
    takes about 20 s of CPU; every worker doing it at once would stall a small server)."""
    import numpy as np

    texts = [document_text(doc) for doc in documents]
    keys = [hashlib.sha256(f"{DOCUMENT_TOKENS}:{t}".encode()).hexdigest() for t in texts]
    path = Path(settings.QUESTIONNAIRE_VECTORS_FILE)
    stored = _stored_vectors(path)
    if any(k not in stored for k in keys):
        with _exclusive(path.with_name(path.name + ".lock")):
            stored = _stored_vectors(path)  # another process may have written them meanwhile
            missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in stored}.items())
            if missing:
                vectors = encode([t for _k, t in missing], max_tokens=DOCUMENT_TOKENS)
                stored.update(zip([k for k, _t in missing], vectors, strict=True))
                wanted = set(keys)
                kept = sorted(k for k in stored if k in wanted)
                # Written aside and renamed, so a process reading it never sees half a file.
                with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as partial:
                    np.savez(partial, keys=np.array(kept), vectors=np.stack([stored[k] for k in kept]))
                os.replace(partial.name, path)
    return np.stack([stored[k] for k in keys]) if keys else np.zeros((0, 384), dtype=np.float32)


def _stored_vectors(path: Path) -> dict:
    import numpy as np

    if not path.exists():
        return {}
    try:
        with np.load(path) as data:
            return dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
    except (OSError, ValueError, KeyError):
        return {}  # unreadable: encoded again and rewritten


@contextlib.contextmanager
def _exclusive(lock_path: Path):
    """An exclusive lock on a file, held by one process at a time (none where the system
    has no fcntl: there each process encodes for itself, as before)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_UN)


def library_index() -> Index:
    """The ranking index for the current library and policies, rebuilt when either changes."""
    signature = _library_signature()
    with _index_lock:
        cached = _index_cache.get("index")
        if cached and cached[0] == signature:
            return cached[1]
    documents = library_documents()
    index = Index(documents, threshold=settings.QUESTIONNAIRE_EXPERT_THRESHOLD, vectors=library_vectors(documents))
    with _index_lock:
        _index_cache["index"] = (signature, index)
    return index


# Questionnaires ------------------------------------------------------------------------

CHUNK = 100  # questions per processing step; one step takes well under a second


def _sheets_json(workbook) -> list[dict]:
    return [
        {
            "name": s.name,
            "rows": s.rows,
            "header_row": s.header_row,
            "question_column": s.question_column,
            "validations": s.validations,
        }
        for s in workbook.sheets
    ]


@transaction.atomic
def questionnaire_upload(*, data: bytes, filename: str, actor, answer: bool = False) -> Questionnaire:
    """Keep an uploaded file and queue the job that reads it (`questionnaire_read`); with
    `answer`, the job goes on to answer it with the guessed sheet and column, and every
    other sheet that holds questions (the API).

    Only what the file is is checked here (importing.identify: its first bytes and zip
    directory, nothing unpacked), so the request returns at once whatever the file holds;
    raises importing.ImportError_ for a file that is no questionnaire at all."""
    kind = identify(data, filename)
    questionnaire = Questionnaire(
        name=filename[:255],
        file_kind=kind,
        status=QuestionnaireStatus.READING,
        upload=data,
        created_by=actor,
    )
    questionnaire.full_clean()
    questionnaire.save()
    transaction.on_commit(lambda: _enqueue(questionnaire_read_job, questionnaire.pk, answer))
    return questionnaire


def _enqueue(job, questionnaire_id: int, *args) -> None:
    """Enqueue one of the questionnaire's jobs and remember which, for the progress page."""
    result = job.enqueue(questionnaire_id, *args)
    Questionnaire.objects.filter(pk=questionnaire_id).update(job_id=str(result.id))


def questionnaire_job_failure(*, questionnaire: Questionnaire) -> str:
    """Why the questionnaire's current job failed, or "" while it is waiting, running or done
    (a worker that died while reading a hostile file, for instance, shows up here)."""
    from django_tasks import TaskResultStatus, default_task_backend
    from django_tasks.exceptions import TaskResultDoesNotExist

    if not questionnaire.job_id:
        return ""
    try:
        result = default_task_backend.get_result(questionnaire.job_id)
    except (NotImplementedError, TaskResultDoesNotExist):
        return ""
    if result.status != TaskResultStatus.FAILED:
        return ""
    detail = result.errors[-1].traceback.strip().splitlines()[-1] if result.errors else ""
    return _("The background job stopped before it finished: %(detail)s") % {"detail": detail}


def questionnaire_read(*, questionnaire_id: int, answer: bool = False) -> Questionnaire | None:
    """The import job: read the kept file under the limits and keep its sheets until staff
    confirm which sheet and column hold the questions, or record why it cannot be read.
    Running it again after it finished does nothing."""
    questionnaire = Questionnaire.objects.filter(pk=questionnaire_id, status=QuestionnaireStatus.READING).first()
    if questionnaire is None:
        return None

    def progress(rows: int) -> None:
        Questionnaire.objects.filter(pk=questionnaire_id).update(rows_read=rows)

    try:
        workbook = read_questionnaire(bytes(questionnaire.upload), questionnaire.name, progress=progress)
    except ImportError_ as exc:
        Questionnaire.objects.filter(pk=questionnaire_id, status=QuestionnaireStatus.READING).update(
            status=QuestionnaireStatus.FAILED, error=str(exc), upload=b""
        )
        return None
    guessed = workbook.guessed_sheet()
    with transaction.atomic():
        questionnaire = Questionnaire.objects.select_for_update().filter(pk=questionnaire_id).first()
        if questionnaire is None or questionnaire.status != QuestionnaireStatus.READING:
            return questionnaire
        questionnaire.file_kind = workbook.kind
        questionnaire.workbook = _sheets_json(workbook)
        questionnaire.sheet_name = guessed.name
        questionnaire.header_row = guessed.header_row
        questionnaire.question_column = guessed.question_column
        questionnaire.rows_read = sum(len(sheet.rows) for sheet in workbook.sheets)
        questionnaire.status = QuestionnaireStatus.CHOOSE
        questionnaire.upload = b""
        questionnaire.save()
        if answer:
            try:
                with transaction.atomic():
                    questionnaire_configure(
                        questionnaire=questionnaire,
                        sheet_name=questionnaire.sheet_name,
                        question_column=questionnaire.question_column or 0,
                        header_row=questionnaire.header_row,
                        other_sheets=True,
                    )
            except ValidationError as exc:
                questionnaire.status = QuestionnaireStatus.FAILED
                questionnaire.error = " ".join(exc.messages)
                questionnaire.save(update_fields=["status", "error"])
    return questionnaire


GUESS = -1  # questionnaire_configure: the answer column titled for it


def _sheet(data: dict, *, header_row: int | None = None, question_column: int | None = None) -> Sheet:
    return Sheet(
        name=data["name"],
        rows=data["rows"],
        header_row=header_row,
        question_column=question_column,
        validations=data.get("validations", []),
    )


def guessed_answer_columns(data: dict) -> dict:
    """importing.answer_columns for a sheet of the workbook, with its guessed title row and
    question column."""
    return answer_columns(_sheet(data), header_row=data.get("header_row"), column=data.get("question_column") or 0)


def other_question_sheets(*, questionnaire: Questionnaire, sheet_name: str) -> list[str]:
    """The workbook's other sheets that hold questions in the column guessed for them."""
    return [
        data["name"]
        for data in questionnaire.workbook
        if data["name"] != sheet_name
        and holds_questions(
            _sheet(data, header_row=data.get("header_row"), question_column=data.get("question_column"))
        )
    ]


@transaction.atomic
def questionnaire_configure(
    *,
    questionnaire: Questionnaire,
    sheet_name: str,
    question_column: int,
    header_row: int | None,
    other_sheets: bool = False,
    answer_column: int | None = GUESS,
) -> Questionnaire:
    """Fix the sheet and question column, keep every row of that sheet as it is, and start
    finding suggestions. With `other_sheets`, the workbook's other sheets that hold questions
    (`other_question_sheets`) are answered too, each with the columns guessed for it, and
    every sheet keeps its place in the workbook. `answer_column`: the chosen sheet's column
    that reviewed answers are written into on export (None: nothing is written into the
    sheet's own columns, only into those added at the end; GUESS: the column titled for it,
    as for the other sheets). Refuses a chosen sheet with no questions, and more questions
    in all than the limit."""
    sheet_data = next((s for s in questionnaire.workbook if s["name"] == sheet_name), None)
    if sheet_data is None:
        raise ValidationError(_("The workbook has no sheet called '%(name)s'.") % {"name": sheet_name})
    sheet = _sheet(sheet_data, header_row=header_row, question_column=question_column)
    if header_row is not None and not 0 <= header_row < len(sheet.rows):
        raise ValidationError(_("Row %(n)d is not in the sheet.") % {"n": header_row + 1})
    if not 0 <= question_column < max(sheet.width, 1):
        raise ValidationError(_("The sheet has no such column."))
    if answer_column not in (None, GUESS) and not (
        0 <= answer_column < sheet.width and answer_column != question_column
    ):
        raise ValidationError(_("Choose a column for the answers other than the questions' column."))
    also = set(other_question_sheets(questionnaire=questionnaire, sheet_name=sheet_name)) if other_sheets else set()
    chosen = [
        sheet
        if data["name"] == sheet_name
        else _sheet(data, header_row=data.get("header_row"), question_column=data["question_column"])
        for data in questionnaire.workbook
        if data["name"] == sheet_name or data["name"] in also
    ]
    read = read_sheets(chosen)
    own, _contexts = read[[each.name for each in chosen].index(sheet_name)]
    if not any(kind == QUESTION for kind, _text in own):
        raise ValidationError(
            _("No questions found in column '%(column)s' of sheet '%(sheet)s'. Choose the column that holds them.")
            % {"column": sheet.column_names()[question_column] if sheet.width else "", "sheet": sheet_name}
        )
    count = sum(kind == QUESTION for kinds, _contexts in read for kind, _text in kinds)
    limit = settings.QUESTIONNAIRE_MAX_QUESTIONS
    if count > limit:
        raise ValidationError(
            _("The sheets have %(count)d questions; at most %(limit)d can be imported at once. Split them into parts.")
            % {"count": count, "limit": limit}
        )
    rows = []
    for number, (each, (kinds, contexts)) in enumerate(zip(chosen, read, strict=True)):
        for row, (kind, text), context in zip(each.rows, kinds, contexts, strict=True):
            rows.append(
                QuestionnaireRow(
                    questionnaire=questionnaire,
                    position=len(rows),
                    sheet=number,
                    kind=kind,
                    cells=row,
                    question=text,
                    context=context,
                )
            )
    QuestionnaireRow.objects.bulk_create(rows, batch_size=500)
    questionnaire.sheet_name = sheet_name
    questionnaire.header_row = header_row
    questionnaire.question_column = question_column
    questionnaire.sheets = []
    for each in chosen:
        columns = answer_columns(each, header_row=each.header_row, column=each.question_column)
        if each is sheet and answer_column is None:
            columns = {"answer_column": None, "comment_column": None, "choice_columns": {}}
        elif each is sheet and answer_column != GUESS:
            columns["answer_column"] = answer_column
            if columns["comment_column"] == answer_column:
                columns["comment_column"] = None
        questionnaire.sheets.append(
            {
                "name": each.name,
                "columns": each.column_names(),
                "header_row": each.header_row,
                "question_column": each.question_column,
                **columns,
            }
        )
    questionnaire.question_count = count
    questionnaire.processed_count = 0
    questionnaire.status = QuestionnaireStatus.PROCESSING
    questionnaire.workbook = []
    questionnaire.save()
    transaction.on_commit(lambda: _enqueue(questionnaire_answer_job, questionnaire.pk))
    return questionnaire


def questionnaire_answer(*, questionnaire_id: int) -> int:
    """The answering job: find suggestions for every question, a chunk at a time (each chunk
    commits, so the progress page moves and a job that runs again carries on where it
    stopped). Returns how many questions are left (0 when done)."""
    questionnaire = Questionnaire.objects.filter(pk=questionnaire_id).first()
    if questionnaire is None or questionnaire.status != QuestionnaireStatus.PROCESSING:
        return 0
    index = library_index()
    left, before = questionnaire_process(questionnaire=questionnaire, index=index), None
    while left and left != before:  # stops should a step find nothing left to do
        left, before = questionnaire_process(questionnaire=questionnaire, index=index), left
    return left


def question_in_context(text: str, context: dict):
    """A question as a person reads it: with its section, the question above it and the
    answers the sheet accepts (importing.question_contexts)."""
    return read_question(
        text,
        section=context.get("section", ""),
        previous=context.get("previous", ""),
        options=context.get("options", ()),
    )


def row_question(row: QuestionnaireRow):
    """The row's question in the context kept at import (`row.context`)."""
    return question_in_context(row.question, row.context or {})


def questionnaire_process(*, questionnaire: Questionnaire, limit: int | None = None, index: Index | None = None) -> int:
    """Find suggestions for the next `limit` questions that have none; returns how many
    are left. Safe to call from several requests at once: each row is claimed in its own
    transaction and written once."""
    index = index or library_index()
    limit = limit or CHUNK
    with transaction.atomic():
        rows = list(
            QuestionnaireRow.objects.select_for_update()
            .filter(questionnaire=questionnaire, kind=RowKind.QUESTION, suggested=False)
            .order_by("position")[:limit]
        )
        for row, ranked in zip(rows, index.rank_many([row_question(row) for row in rows]), strict=True):
            row.suggestions = [s.as_dict() for s in ranked.suggestions]
            row.needs_expert = ranked.needs_expert
            row.expert_reason = ranked.reason if ranked.needs_expert else ""
            row.suggested = True
        QuestionnaireRow.objects.bulk_update(
            rows, ["suggestions", "needs_expert", "expert_reason", "suggested"], batch_size=500
        )
        done = QuestionnaireRow.objects.filter(questionnaire=questionnaire, kind=RowKind.QUESTION, suggested=True)
        processed = done.count()
        fields = {"processed_count": processed}
        if processed >= questionnaire.question_count:
            fields["status"] = QuestionnaireStatus.READY
        rows_changed = Questionnaire.objects.filter(pk=questionnaire.pk).exclude(status=QuestionnaireStatus.READY)
        if rows_changed.update(**fields) and fields.get("status") == QuestionnaireStatus.READY:
            # Once, by whichever call finished the last question (webhooks listen for it).
            audit_record(
                kind="questionnaire.completed",
                subject=f"questionnaire:{questionnaire.pk}",
                data={"name": questionnaire.name, "questions": questionnaire.question_count},
            )
        for name, value in fields.items():
            setattr(questionnaire, name, value)
    return questionnaire.question_count - processed


def _policy_version_label(source: dict) -> str:
    if not source:
        return ""
    return f"{source['policy_title']} v{source['version']} § {source['heading']}"


def _fill_from_suggestion(row: QuestionnaireRow, suggestion: dict) -> None:
    source = suggestion.get("source") or {}
    row.answer = suggestion.get("short_answer", "")
    row.detail = plain_text(suggestion.get("detail", ""))
    row.source_url = source.get("url", "")
    row.policy_version = _policy_version_label(source)
    row.source_key = suggestion.get("key", "")


@transaction.atomic
def row_review(
    *,
    row: QuestionnaireRow,
    actor,
    action: str,
    choice: int = 0,
    answer: str = "",
    detail: str = "",
    save_to_library: bool = False,
) -> Answer | None:
    """Record the review of one question.

    `accept`: take suggestion number `choice` as it is. `edit`: take it with the answer and
    detail the reviewer wrote (and, with `save_to_library`, keep the edited answer in the
    library). `na`: mark the question not applicable. `reset`: back to not reviewed.
    Returns the library answer written, if any."""
    written = None
    if action == "reset":
        row.status = RowStatus.PENDING
        row.answer = row.detail = row.source_url = row.policy_version = row.source_key = ""
        row.reviewed_by, row.reviewed_at = None, None
    elif action == "na":
        row.status = RowStatus.NA
        row.answer, row.detail, row.source_url, row.policy_version, row.source_key = "N/A", "", "", "", ""
        row.reviewed_by, row.reviewed_at = actor, timezone.now()
    elif action in ("accept", "edit"):
        suggestion = row.suggestions[choice] if 0 <= choice < len(row.suggestions) else None
        if suggestion is None and action == "accept":
            raise ValidationError(_("There is no suggestion to accept: write an answer or mark it N/A."))
        if suggestion is not None:
            _fill_from_suggestion(row, suggestion)
        else:
            row.source_url = row.policy_version = row.source_key = ""
        if action == "edit":
            if not answer.strip():
                raise ValidationError(_("Write an answer (for example Yes, No or a few words)."))
            row.answer, row.detail = answer.strip(), detail.strip()
            row.status = RowStatus.EDITED
            if save_to_library:
                written = _save_back(row=row, suggestion=suggestion, actor=actor)
        else:
            row.status = RowStatus.ACCEPTED
        row.reviewed_by, row.reviewed_at = actor, timezone.now()
    else:
        raise ValidationError(_("Unknown action."))
    row.save()
    return written


@transaction.atomic
def questionnaire_accept_confident(*, questionnaire: Questionnaire, actor, min_confidence: int) -> int:
    """Accept the first suggestion of every question not reviewed yet whose confidence is at
    least `min_confidence` and that is not left to an expert; returns how many."""
    rows = (
        QuestionnaireRow.objects.select_for_update()
        .filter(questionnaire=questionnaire, kind=RowKind.QUESTION, status=RowStatus.PENDING, needs_expert=False)
        .order_by("position")
    )
    accepted = 0
    for row in rows:
        if row.suggestions and row.suggestions[0].get("confidence", 0) >= min_confidence:
            row_review(row=row, actor=actor, action="accept", choice=0)
            accepted += 1
    return accepted


def _save_back(*, row: QuestionnaireRow, suggestion: dict | None, actor) -> Answer:
    """Keep an edited answer in the library: a security admin's edit of a library answer
    updates it (approved, reviewed today); anything else becomes a new draft for approval."""
    policies = published_policies()
    citations = []
    sources = (suggestion or {}).get("sources") or ([(suggestion or {}).get("source")] if suggestion else [])
    for source in sources:
        if source:
            try:
                citations.append(citation_resolve(f"{source['policy']}#{source['anchor']}", policies=policies))
            except ValidationError:
                continue  # the section went away since the suggestion was made
    answer_pk = (suggestion or {}).get("answer_pk")
    if answer_pk and can_approve_answers(actor):
        answer = Answer.objects.filter(pk=answer_pk).first()
        if answer is not None:
            answer.short_answer = row.answer[:200]
            answer.full_answer = row.detail or row.answer
            return answer_save(answer=answer, citations=citations, actor=actor, approve=True)
    answer = Answer(
        question=row.question,
        short_answer=row.answer[:200],
        full_answer=row.detail or row.answer,
        owner=actor.get_full_name() if hasattr(actor, "get_full_name") else "",
    )
    return answer_save(answer=answer, citations=citations, actor=actor)


def questionnaire_tables(*, questionnaire: Questionnaire) -> list[tuple[str, list[list]]]:
    """Each answered sheet as it was uploaded, every row in place, with the reviewed answers
    in the sheet's own empty answer cells (exporting.with_answer) and in columns added at the
    end: [(sheet name, table)] in the workbook's order."""
    by_sheet: dict[int, list] = {}
    for row in questionnaire.rows.select_related("reviewed_by").order_by("position"):
        cells, extra = row.cells, None
        if row.kind == RowKind.QUESTION and row.is_reviewed:
            reviewer = row.reviewed_by.get_full_name() if row.reviewed_by else ""
            extra = [row.answer, row.detail, row.source_url, row.policy_version, reviewer]
            cells = with_answer(cells, questionnaire.sheets[row.sheet], answer=row.answer, detail=row.detail)
        by_sheet.setdefault(row.sheet, []).append((cells, extra))
    return [
        (
            sheet["name"],
            build_table(
                columns=sheet["columns"],
                header_row=sheet["header_row"],
                rows=by_sheet.get(number, []),
                extra_columns=ANSWER_COLUMNS,
            ),
        )
        for number, sheet in enumerate(questionnaire.sheets)
    ]


EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def questionnaire_export(*, questionnaire: Questionnaire, fmt: str) -> tuple[bytes, str, str]:
    """The answered questionnaire as a file: (data, content type, file name). XLSX keeps one
    worksheet per answered sheet; CSV has one table (see exporting.one_table)."""
    tables = questionnaire_tables(questionnaire=questionnaire)
    data = write_xlsx(tables) if fmt == "xlsx" else write_csv(one_table(tables))
    stem = re.sub(r"\.(xlsx|csv|txt|tsv)$", "", questionnaire.name, flags=re.I)
    stem = re.sub(r"[^\w.-]+", "-", stem).strip("-.") or "questionnaire"
    return data, EXPORT_TYPES[fmt], f"{stem}-answered.{fmt}"


# The jobs that run the reading and answering above. Declared here, beside the services that
# enqueue them and that they run, so neither module imports the other.


@task()
def questionnaire_read_job(questionnaire_id: int, answer: bool = False) -> str:
    questionnaire = questionnaire_read(questionnaire_id=questionnaire_id, answer=answer)
    return questionnaire.status if questionnaire else "nothing to read"


@task()
def questionnaire_answer_job(questionnaire_id: int) -> int:
    return questionnaire_answer(questionnaire_id=questionnaire_id)
