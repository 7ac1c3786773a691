from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trustcenter.audit.services import audit_record
from trustcenter.questionnaires.exporting import plain_text
from trustcenter.questionnaires.forms import AnswerForm, AnswerSearchForm, AskForm, ConfigureForm, UploadForm
from trustcenter.questionnaires.importing import ImportError_
from trustcenter.questionnaires.models import (
    Answer,
    AnswerStatus,
    Questionnaire,
    QuestionnaireStatus,
    RowKind,
    RowStatus,
)
from trustcenter.questionnaires.rules import can_approve_answers, can_use_questionnaires
from trustcenter.questionnaires.services import (
    EXPORT_TYPES,
    answer_approve,
    answer_save,
    guessed_answer_columns,
    library_index,
    other_question_sheets,
    questionnaire_accept_confident,
    questionnaire_configure,
    questionnaire_export,
    questionnaire_job_failure,
    questionnaire_upload,
    row_review,
)


def staff_only(view):
    """Sales and security staff only: anonymous visitors are sent to sign in, signed-in
    users without the role get 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_use_questionnaires(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


def _audit_answer(request, answer: Answer, kind: str) -> None:
    audit_record(
        kind=kind,
        request=request,
        subject=f"answer:{answer.pk}",
        data={"question": answer.question[:200], "status": answer.status, "in_faq": answer.show_in_faq},
    )


def _library_answers():
    return Answer.objects.select_related("category").prefetch_related("citations__policy__current_version")


@require_safe
@staff_only
def answer_list(request):
    form = AnswerSearchForm(request.GET or None)
    answers = _library_answers()
    query = status = ""
    if form.is_valid():
        query, status = form.cleaned_data["q"].strip(), form.cleaned_data["status"]
    for word in query.split()[:10]:
        answers = answers.filter(
            Q(question__icontains=word)
            | Q(short_answer__icontains=word)
            | Q(full_answer__icontains=word)
            | Q(tags__icontains=word)
        )
    if status in (AnswerStatus.APPROVED, AnswerStatus.DRAFT):
        answers = answers.filter(status=status)
    elif status == "faq":
        answers = answers.in_public_faq()
    rows = [(answer, answer.stale_reasons()) for answer in answers]
    if status == "stale":
        rows = [(a, r) for a, r in rows if r]
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    counts = {
        "total": Answer.objects.count(),
        "approved": Answer.objects.approved().count(),
        "faq": Answer.objects.in_public_faq().count(),
    }
    return render(
        request,
        "questionnaires/answer_list.html",
        {"form": form, "page": page, "counts": counts, "query": query, "status": status, "ask_form": AskForm()},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_only
def answer_ask(request):
    """Try the assistant on one question: the same ranking the questionnaire import uses."""
    form = AskForm(request.POST or None)
    ranked = None
    if request.method == "POST" and form.is_valid():
        ranked = library_index().rank(form.cleaned_data["question"])
    return render(request, "questionnaires/answer_ask.html", {"form": form, "ranked": ranked})


def _get_answer(pk) -> Answer:
    return get_object_or_404(_library_answers(), pk=pk)


@require_safe
@staff_only
def answer_detail(request, pk):
    answer = _get_answer(pk)
    return render(
        request,
        "questionnaires/answer_detail.html",
        {"answer": answer, "stale_reasons": answer.stale_reasons(), "can_approve": can_approve_answers(request.user)},
    )


def _answer_form(request, answer: Answer):
    can_approve = can_approve_answers(request.user)
    form = AnswerForm(request.POST or None, instance=answer, can_approve=can_approve)
    if request.method == "POST" and form.is_valid():
        approve = request.POST.get("action") == "approve"
        if approve and not can_approve:
            raise PermissionDenied
        was_approved = answer.pk and answer.is_approved
        created = answer.pk is None
        with transaction.atomic():
            saved = answer_save(
                answer=form.save(commit=False),
                citations=form.cleaned_data["citations"],
                actor=request.user,
                approve=approve,
            )
            _audit_answer(request, saved, "answer.created" if created else "answer.changed")
        if approve:
            messages.success(request, _("Saved and approved. The assistant suggests this answer from now on."))
        elif was_approved and not saved.is_approved:
            messages.warning(
                request,
                _("Saved as a draft: a security admin must approve the change before the assistant suggests it again."),
            )
        else:
            messages.success(request, _("Saved as a draft."))
        return redirect(saved)
    template = "questionnaires/answer_form.html"
    return render(request, template, {"form": form, "answer": answer, "can_approve": can_approve})


@require_http_methods(["GET", "HEAD", "POST"])
@staff_only
def answer_create(request):
    return _answer_form(request, Answer())


@require_http_methods(["GET", "HEAD", "POST"])
@staff_only
def answer_edit(request, pk):
    return _answer_form(request, _get_answer(pk))


@require_POST
@staff_only
def answer_approve_view(request, pk):
    answer = _get_answer(pk)
    if not can_approve_answers(request.user):
        raise PermissionDenied
    try:
        with transaction.atomic():
            answer_approve(answer=answer, actor=request.user)
            _audit_answer(request, answer, "answer.approved")
    except ValidationError as exc:  # a citation that no longer resolves
        messages.error(
            request, _("Not approved: %(error)s Edit the citations first.") % {"error": " ".join(exc.messages)}
        )
        return redirect(answer)
    messages.success(request, _("Approved and marked as reviewed today."))
    return redirect(answer)


@require_safe
def faq(request):
    """Public: approved answers that a security admin chose to show to everyone."""
    answers = Answer.objects.in_public_faq().select_related("category").prefetch_related("citations__policy")
    return render(request, "questionnaires/faq.html", {"answers": answers})


# Questionnaires -------------------------------------------------------------------------

PREVIEW_ROWS = 15
REVIEW_PAGE = 50


def _get_questionnaire(pk) -> Questionnaire:
    # The questionnaires are the sales and security team's shared work: every member may
    # open every questionnaire; `staff_only` has already decided who is a member.
    # The uploaded file is only for the import job: pages never load it.
    return get_object_or_404(Questionnaire.objects.defer("upload"), pk=pk)


@require_safe
@staff_only
def questionnaire_list(request):
    questionnaires = (
        Questionnaire.objects.defer("upload")
        .select_related("created_by")
        .annotate(reviewed=Count("rows", filter=Q(rows__kind=RowKind.QUESTION) & ~Q(rows__status=RowStatus.PENDING)))
    )
    return render(
        request,
        "questionnaires/questionnaire_list.html",
        {"questionnaires": questionnaires, "form": UploadForm()},
    )


@require_POST
@staff_only
def questionnaire_upload_view(request):
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            with transaction.atomic():
                questionnaire = questionnaire_upload(data=upload.read(), filename=upload.name, actor=request.user)
                audit_record(
                    kind="questionnaire.uploaded",
                    request=request,
                    subject=f"questionnaire:{questionnaire.pk}",
                    data={"name": questionnaire.name, "size": upload.size},
                )
        except ImportError_ as exc:
            form.add_error("file", str(exc))
        else:
            return redirect(questionnaire)
    questionnaires = (
        Questionnaire.objects.defer("upload")
        .select_related("created_by")
        .annotate(reviewed=Count("rows", filter=Q(rows__kind=RowKind.QUESTION) & ~Q(rows__status=RowStatus.PENDING)))
    )
    return render(
        request,
        "questionnaires/questionnaire_list.html",
        {"questionnaires": questionnaires, "form": form},
        status=400,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_only
def questionnaire_configure_view(request, pk):
    questionnaire = _get_questionnaire(pk)
    if questionnaire.status != QuestionnaireStatus.CHOOSE:
        return redirect(questionnaire)
    sheets = questionnaire.workbook
    chosen = request.POST.get("sheet") or request.GET.get("sheet") or questionnaire.sheet_name
    sheet = next((s for s in sheets if s["name"] == chosen), sheets[0])
    others = other_question_sheets(questionnaire=questionnaire, sheet_name=sheet["name"])
    guessed = guessed_answer_columns(sheet)
    initial = {
        "sheet": sheet["name"],
        "question_column": sheet.get("question_column") or 0,
        "header_row": (sheet["header_row"] + 1) if sheet.get("header_row") is not None else 0,
        "answer_column": guessed["answer_column"],
        "other_sheets": True,
    }
    form = ConfigureForm(request.POST or None, initial=initial, sheets=sheets, sheet=sheet, others=others)
    if request.method == "POST" and request.POST.get("action") != "preview" and form.is_valid():
        header = form.cleaned_data["header_row"]
        try:
            questionnaire_configure(
                questionnaire=questionnaire,
                sheet_name=form.cleaned_data["sheet"],
                question_column=form.cleaned_data["question_column"],
                header_row=(header - 1) if header else None,
                other_sheets=form.cleaned_data.get("other_sheets", False),
                answer_column=form.cleaned_data["answer_column"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect(questionnaire)
    preview = sheet["rows"][:PREVIEW_ROWS]
    width = max((len(r) for r in preview), default=0)
    preview = [(i + 1, list(r) + [None] * (width - len(r))) for i, r in enumerate(preview)]
    return render(
        request,
        "questionnaires/questionnaire_configure.html",
        {
            "questionnaire": questionnaire,
            "form": form,
            "sheet": sheet,
            "preview": preview,
            "column_names": form.column_names[:width] if width else [],
            "row_count": len(sheet["rows"]),
        },
    )


@require_safe
@staff_only
def questionnaire_progress(request, pk):
    """Reading the file, then finding suggestions: both run as background jobs; this page
    refreshes itself until they are done, then leads on (or shows why the file was refused)."""
    questionnaire = _get_questionnaire(pk)
    if questionnaire.status not in (
        QuestionnaireStatus.READING,
        QuestionnaireStatus.PROCESSING,
        QuestionnaireStatus.FAILED,
    ):
        return redirect(questionnaire)
    failure = questionnaire.error if questionnaire.status == QuestionnaireStatus.FAILED else ""
    failure = failure or questionnaire_job_failure(questionnaire=questionnaire)
    return render(
        request,
        "questionnaires/questionnaire_progress.html",
        {"questionnaire": questionnaire, "failure": failure, "refresh": not failure},
    )


# The confidence offered by default for accepting many suggestions at once: calibrated, so
# about nine in ten suggestions at or above it cite a right section (bench/questionnaire).
ACCEPT_MANY_DEFAULT = 80


def _review_rows(questionnaire: Questionnaire, show: str):
    rows = questionnaire.rows.filter(kind__in=[RowKind.QUESTION, RowKind.SECTION]).select_related("reviewed_by")
    if show == "todo":
        rows = rows.filter(kind=RowKind.QUESTION, status=RowStatus.PENDING)
    elif show == "expert":
        rows = rows.filter(kind=RowKind.QUESTION, needs_expert=True)
    return rows.order_by("position")


@require_safe
@staff_only
def questionnaire_review(request, pk):
    questionnaire = _get_questionnaire(pk)
    if questionnaire.status != QuestionnaireStatus.READY:
        return redirect(questionnaire)
    show = request.GET.get("show", "all")
    if show not in ("all", "todo", "expert"):
        show = "all"
    page = Paginator(_review_rows(questionnaire, show), REVIEW_PAGE).get_page(request.GET.get("page"))
    for row in page:
        row.section_text = " · ".join(str(c).strip() for c in row.cells if c not in (None, ""))
        top = row.suggestions[0] if row.suggestions else {}
        row.prefill_answer = row.answer if row.is_reviewed else top.get("short_answer", "")
        row.prefill_detail = row.detail if row.is_reviewed else plain_text(top.get("detail", ""))
    questions = questionnaire.rows.filter(kind=RowKind.QUESTION)
    counts = {
        "total": questionnaire.question_count,
        "reviewed": questions.exclude(status=RowStatus.PENDING).count(),
        "expert": questions.filter(needs_expert=True).count(),
        "na": questions.filter(status=RowStatus.NA).count(),
    }
    return render(
        request,
        "questionnaires/questionnaire_review.html",
        {
            "questionnaire": questionnaire,
            "page": page,
            "show": show,
            "counts": counts,
            "can_approve": can_approve_answers(request.user),
            "accept_from": ACCEPT_MANY_DEFAULT,
        },
    )


@require_POST
@staff_only
def questionnaire_row_review(request, pk, row_pk):
    questionnaire = _get_questionnaire(pk)
    row = get_object_or_404(questionnaire.rows.filter(kind=RowKind.QUESTION), pk=row_pk)
    try:
        choice = int(request.POST.get("choice", "0"))
    except ValueError:
        choice = 0
    try:
        with transaction.atomic():
            written = row_review(
                row=row,
                actor=request.user,
                action=request.POST.get("action", ""),
                choice=choice,
                answer=request.POST.get("answer", ""),
                detail=request.POST.get("detail", ""),
                save_to_library=request.POST.get("save_to_library") == "on",
            )
            if written is not None:
                _audit_answer(request, written, "answer.saved_from_questionnaire")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if written is not None and written.is_approved:
            messages.success(request, _("The library answer was updated and approved."))
        elif written is not None:
            messages.success(request, _("Saved to the library as a draft for a security admin to approve."))
    query = {"show": request.POST.get("show", "all"), "page": request.POST.get("page", "1")}
    return redirect(f"{reverse('questionnaires:questionnaire_review', args=[pk])}?{urlencode(query)}#row-{row.pk}")


@require_POST
@staff_only
def questionnaire_accept_many(request, pk):
    """Accept every unreviewed suggestion at or above the chosen confidence in one go."""
    questionnaire = _get_questionnaire(pk)
    try:
        min_confidence = min(max(int(request.POST.get("min_confidence", "")), 0), 100)
    except ValueError:
        messages.error(request, _("Choose a confidence between 0 and 100."))
        return redirect(reverse("questionnaires:questionnaire_review", args=[pk]))
    accepted = questionnaire_accept_confident(
        questionnaire=questionnaire, actor=request.user, min_confidence=min_confidence
    )
    messages.success(
        request,
        _("Accepted %(n)d suggestions with confidence %(min)d%% or more. Check them before you export.")
        % {"n": accepted, "min": min_confidence},
    )
    return redirect(reverse("questionnaires:questionnaire_review", args=[pk]))


@require_safe
@staff_only
def questionnaire_export_view(request, pk, fmt):
    if fmt not in EXPORT_TYPES:
        raise Http404
    questionnaire = _get_questionnaire(pk)
    if questionnaire.status != QuestionnaireStatus.READY:
        return redirect(questionnaire)
    data, content_type, filename = questionnaire_export(questionnaire=questionnaire, fmt=fmt)
    audit_record(
        kind="questionnaire.exported",
        request=request,
        subject=f"questionnaire:{questionnaire.pk}",
        data={"name": questionnaire.name, "format": fmt},
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@staff_only
def questionnaire_delete(request, pk):
    questionnaire = _get_questionnaire(pk)
    with transaction.atomic():
        audit_record(
            kind="questionnaire.deleted",
            request=request,
            subject=f"questionnaire:{questionnaire.pk}",
            data={"name": questionnaire.name},
        )
        questionnaire.delete()
    messages.success(request, _("Deleted '%(name)s'.") % {"name": questionnaire.name})
    return redirect("questionnaires:questionnaire_list")
