from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trustcenter.access import rules
from trustcenter.core.decorators import staff_required
from trustcenter.lib.pagecache import public_page
from trustcenter.lib.ratelimit import rate_limited
from trustcenter.updates.forms import ObjectionForm, PostFilterForm, SubscribeForm, TopicsForm
from trustcenter.updates.models import Notice, Objection, PostType, SubprocessorChange, Subscriber, UpdatePost
from trustcenter.updates.services import (
    account_subscription_save,
    consent_text,
    objection_create,
    subscriber_delete,
    subscriber_export,
    subscriber_unsubscribe,
    subscriber_update,
    subscription_confirm,
    subscription_request,
)
from trustcenter.updates.tokens import confirm_load, subscriber_load, subscriber_token

PAGE_SIZE = 50


def reader(request):
    """The signed-in user, or None without opening the session when there is no session cookie,
    so anonymous responses stay cacheable (no `Vary: Cookie`)."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def visible_posts(user, queryset):
    """The posts `user` may read: public ones for everyone, NDA ones as the access rule decides."""
    if user is None:
        return list(queryset.public())
    standing = rules.standing(user)
    return [post for post in queryset if rules.decide_with(standing, post).allowed]


# Update posts ----------------------------------------------------------------------------


@require_safe
@public_page(query=("type",))
def post_list(request):
    form = PostFilterForm(request.GET or None)
    posts = UpdatePost.objects.newest_first()
    chosen = ""
    if form.is_valid() and form.cleaned_data["type"]:
        chosen = form.cleaned_data["type"]
        posts = posts.filter(type=chosen)
    context = {"posts": visible_posts(reader(request), posts)[:PAGE_SIZE], "form": form, "chosen": chosen,
               "types": PostType.choices}  # fmt: skip
    return render(request, "updates/list.html", context)


@require_safe
@public_page
def post_detail(request, slug):
    post = get_object_or_404(UpdatePost, slug=slug)
    if not post.is_public:
        decision = rules.decide(reader(request), post, next_url=request.get_full_path())
        if not decision.allowed:
            return render(request, "updates/locked.html", {"post": post, "decision": decision}, status=403)
    return render(request, "updates/detail.html", {"post": post})


# Subscriptions ---------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@rate_limited("subscribe_ip", key="ip", methods=["POST"])
@never_cache
def subscribe(request):
    """Ask for a confirmation link. The answer is the same whether or not the address is known."""
    if request.method == "POST":
        form = SubscribeForm(request.POST)
        if form.is_valid():
            subscription_request(
                email=form.cleaned_data["email"],
                topics=form.cleaned_data["topics"],
                language=get_language() or settings.LANGUAGE_CODE,
                request=request,
            )
            return redirect("updates:subscribe_sent")
    else:
        form = SubscribeForm(initial={"email": request.GET.get("email", "")[:254]})
    return render(request, "updates/subscribe.html", {"form": form, "consent_text": consent_text()})


@require_safe
def subscribe_sent(request):
    return render(request, "updates/subscribe_sent.html", {"hours": settings.UPDATES_CONFIRM_HOURS})


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def confirm(request, token):
    """GET shows a button, POST confirms: a mail scanner that follows links must not subscribe anyone."""
    try:
        data = confirm_load(token)
    except signing.SignatureExpired:
        return render(request, "updates/link_invalid.html", {"expired": True}, status=400)
    except signing.BadSignature:
        return render(request, "updates/link_invalid.html", {"expired": False}, status=400)
    if request.method == "POST":
        try:
            subscriber = subscription_confirm(token=token, request=request)
        except signing.BadSignature:
            return render(request, "updates/link_invalid.html", {"expired": False, "used": True}, status=400)

        messages.success(request, _("You are subscribed. You can change your topics here at any time."))
        return redirect("updates:manage", subscriber_token(subscriber))
    return render(request, "updates/confirm.html", {"email": data["e"]})


def _subscriber_or_404(token: str) -> Subscriber:
    subscriber = subscriber_load(token)
    if subscriber is None:
        raise Http404("unknown or retired link")
    return subscriber


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def manage(request, token):
    """Preferences, reached only through the subscriber's own signed link."""
    subscriber = _subscriber_or_404(token)
    if request.method == "POST":
        form = TopicsForm(request.POST)
        if form.is_valid():
            if form.cleaned_data["topics"]:
                subscriber_update(
                    subscriber=subscriber,
                    topics=form.cleaned_data["topics"],
                    language=form.cleaned_data["language"],
                    request=request,
                )
                messages.success(request, _("Your choices are saved."))
            else:
                subscriber_unsubscribe(subscriber=subscriber, request=request)
                messages.success(request, _("You are unsubscribed and will get no more emails from us."))
            return redirect("updates:manage", token)
    else:
        form = TopicsForm(initial={"topics": subscriber.topics, "language": subscriber.language})
    return render(request, "updates/manage.html", {"subscriber": subscriber, "form": form, "token": token})


# RFC 8058 one-click unsubscribe: the mail client (or the provider on its behalf) POSTs
# "List-Unsubscribe=One-Click" to this URL with no cookies and no page visited first, so it
# cannot carry a CSRF token. It is exempt from the CSRF check for that reason alone; the
# signed token in the URL is what authorizes it, and all it can do is unsubscribe its owner.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def unsubscribe(request, token):
    subscriber = _subscriber_or_404(token)
    if request.method == "POST":
        subscriber_unsubscribe(subscriber=subscriber, request=request)
        return render(request, "updates/unsubscribed.html", {"subscriber": subscriber, "token": token})
    # GET (a person clicking the link): ask first, so a link scanner does not unsubscribe anyone.
    return render(request, "updates/unsubscribe.html", {"subscriber": subscriber, "token": token})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def account_updates(request):
    """The signed-in user's own subscription, on their account pages."""
    user = request.user
    subscriber = Subscriber.objects.filter(email=user.email.strip().lower()).first()
    verified = rules.email_verified(user)
    if request.method == "POST":
        form = TopicsForm(request.POST)
        if not verified:
            messages.error(request, _("Confirm your email address first."))
            return redirect("updates:account")
        if form.is_valid():
            account_subscription_save(
                user=user, topics=form.cleaned_data["topics"], language=form.cleaned_data["language"], request=request
            )
            if form.cleaned_data["topics"]:
                messages.success(request, _("Your choices are saved."))
            else:
                messages.success(request, _("You are unsubscribed and will get no more emails from us."))
            return redirect("updates:account")
    else:
        active = subscriber is not None and subscriber.status == Subscriber.Status.ACTIVE
        form = TopicsForm(
            initial={
                "topics": subscriber.topics if active else [],
                "language": subscriber.language if subscriber else (get_language() or settings.LANGUAGE_CODE),
            }
        )
    context = {"form": form, "subscriber": subscriber, "verified": verified, "consent_text": consent_text()}
    return render(request, "updates/account.html", context)


# Subprocessor changes --------------------------------------------------------------------


@require_safe
@public_page
def subprocessor_changes(request):
    changes = SubprocessorChange.objects.select_related("register").order_by("-published_at", "kind", "name")
    return render(request, "updates/subprocessor_changes.html", {"changes": changes, "today": timezone.localdate()})


@require_safe
@public_page
def subprocessor_change(request, pk):
    change = get_object_or_404(SubprocessorChange, pk=pk)
    user = reader(request)
    organization = rules.objecting_organization(user)
    existing = None
    if organization is not None:
        existing = Objection.objects.filter(change=change, organization=organization).select_related("user").first()
    context = {
        "change": change,
        "open": change.objection_open(timezone.localdate()),
        "signed_in": user is not None,
        "organization": organization,
        "existing": existing,
        "form": ObjectionForm(),
    }
    return render(request, "updates/subprocessor_change.html", context)


@login_required
@require_POST
@rate_limited("objection_user", key="user")
def subprocessor_object(request, pk):
    change = get_object_or_404(SubprocessorChange, pk=pk)
    organization = rules.objecting_organization(request.user)
    if organization is None:
        messages.error(
            request,
            _("Objections are made by customers: sign in with a confirmed address at your organization's domain."),
        )
        return redirect(change.get_absolute_url())
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(change.get_absolute_url())
    try:
        objection_create(
            change=change, user=request.user, organization=organization, reason=form.cleaned_data["reason"],
            request=request,
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Your objection is recorded. Our team will contact you before the change takes effect.")
        )
    return redirect(change.get_absolute_url())


# Staff -----------------------------------------------------------------------------------


@staff_required
@require_safe
@never_cache
def staff_home(request):
    notices = Notice.objects.annotate(
        sent=Count("deliveries", filter=Q(deliveries__status="sent")),
        failed=Count("deliveries", filter=Q(deliveries__status="failed")),
        waiting=Count("deliveries", filter=Q(deliveries__status__in=["pending", "sending"])),
    ).select_related("post", "register")[:30]
    changes = SubprocessorChange.objects.annotate(objection_count=Count("objections"))[:50]
    query = request.GET.get("email", "").strip().lower()[:254]
    subscribers = Subscriber.objects.filter(email__contains=query)[:50] if query else []
    context = {
        "notices": notices,
        "changes": changes,
        "query": query,
        "subscribers": subscribers,
        "active_count": Subscriber.objects.active().count(),
    }
    return render(request, "updates/staff.html", context)


@staff_required
@require_safe
@never_cache
def staff_change(request, pk):
    change = get_object_or_404(SubprocessorChange, pk=pk)
    objections = change.objections.select_related("organization", "user")
    return render(request, "updates/staff_change.html", {"change": change, "objections": objections})


@staff_required
@require_safe
@never_cache
def staff_subscriber_export(request, pk):
    subscriber = get_object_or_404(Subscriber, pk=pk)
    data = subscriber_export(subscriber=subscriber, actor=request.user, request=request)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="subscriber-{subscriber.pk}.json"'
    return response


@staff_required
@require_POST
def staff_subscriber_delete(request, pk):
    subscriber = get_object_or_404(Subscriber, pk=pk)
    email = subscriber.email
    subscriber_delete(subscriber=subscriber, actor=request.user, request=request)
    messages.success(request, _("Everything stored about %(email)s is deleted.") % {"email": email})
    return redirect(reverse("updates:staff"))
