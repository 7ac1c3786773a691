from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trustcenter.questionnaires.forms import AnswerForm, AnswerSearchForm, AskForm
from trustcenter.questionnaires.models import Answer, AnswerStatus
from trustcenter.questionnaires.rules import can_approve_answers, can_use_questionnaires
from trustcenter.questionnaires.services import answer_approve, answer_save, library_index


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
        saved = answer_save(
            answer=form.save(commit=False),
            citations=form.cleaned_data["citations"],
            actor=request.user,
            approve=approve,
        )
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
        answer_approve(answer=answer, actor=request.user)
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
