from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from trustcenter.access.rules import can_read_version, decide
from trustcenter.lib.pagecache import public_page
from trustcenter.lib.ratelimit import rate_limited
from trustcenter.lib.visibility import Visibility
from trustcenter.policies.diff import diff_metadata, diff_sources, summarize
from trustcenter.policies.models import Category, Policy, PolicyVersion
from trustcenter.policies.search import MAX_QUERY_LENGTH, search_policies


def get_version_for_reading(request, slug: str, number: int | None = None) -> PolicyVersion:
    """The one place that decides whether a policy version may be shown.

    404 for pages that do not exist; PermissionDenied (rendered as the lock page)
    for NDA pages the user may know about but not read.
    """
    policy = get_object_or_404(Policy.objects.published().select_related("current_version__category"), slug=slug)
    # The current version is fetched with the policy; its back-reference needs no query either.
    policy.current_version.policy = policy
    if number is None:
        version = policy.current_version
    else:
        version = get_object_or_404(policy.versions.select_related("category"), number=number)
    version.policy = policy
    if not can_read_version(request.user, version):
        raise PermissionDenied(version)
    return version


def _private(response, *versions):
    """NDA pages (read or refused) are for one reader: never stored by a browser or a proxy."""
    if not versions or any(v.visibility != Visibility.PUBLIC for v in versions):
        patch_cache_control(response, private=True, no_store=True)
    return response


def render_locked(request, slug: str):
    policy = get_object_or_404(Policy.objects.published().select_related("category"), slug=slug)
    # The decision says what the reader can do next (sign in, sign the NDA, ...). The policy
    # carries its current visibility, so deciding costs no query for anonymous visitors.
    decision = decide(request.user, policy, next_url=request.get_full_path())
    return _private(render(request, "policies/locked.html", {"policy": policy, "decision": decision}, status=403))


@require_safe
@public_page
def overview(request):
    categories = []
    policies = Policy.objects.published().select_related("current_version", "category").order_by("title")
    by_category: dict[int, list[Policy]] = {}
    for policy in policies:
        by_category.setdefault(policy.category_id, []).append(policy)
    for category in Category.objects.all():
        if category.pk in by_category:
            categories.append((category, by_category[category.pk]))
    last_published = max((p.current_version.published_at for p in policies), default=None)
    context = {"categories": categories, "policy_count": len(policies), "last_published": last_published}
    return render(request, "policies/overview.html", context)


@require_safe
@public_page
def detail(request, slug):
    try:
        version = get_version_for_reading(request, slug)
    except PermissionDenied:
        return render_locked(request, slug)
    return _render_version(request, version)


@require_safe
@public_page
def version(request, slug, number):
    try:
        version = get_version_for_reading(request, slug, number)
    except PermissionDenied:
        return render_locked(request, slug)
    return _render_version(request, version)


def _render_version(request, version):
    policy = version.policy
    versions = list(policy.versions.only("policy", "number", "effective", "published_at").order_by("-number"))
    current = policy.current_version
    context = {
        "policy": policy,
        "version": version,
        "is_current": version.pk == policy.current_version_id,
        "current": current,
        "versions": versions,
        "previous": next((v for v in versions if v.number < version.number), None),
    }
    return _private(render(request, "policies/detail.html", context), version)


def _int_param(request, name: str, default: int) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(gettext("`%(name)s` must be a version number, like %(name)s=1") % {"name": name}) from None
    if value < 1:
        raise ValueError(gettext("`%(name)s` must be a version number from 1 up") % {"name": name})
    return value


@require_safe
@public_page(query=("from", "to"))
def changes(request, slug):
    try:
        newest = get_version_for_reading(request, slug)
    except PermissionDenied:
        return render_locked(request, slug)
    policy = newest.policy
    versions = list(policy.versions.select_related("category").order_by("-number"))
    if len(versions) < 2:
        return _private(
            render(request, "policies/diff.html", {"policy": policy, "versions": versions, "only_one": True}), newest
        )
    try:
        to_number = _int_param(request, "to", newest.number)
        default_from = max((v.number for v in versions if v.number < to_number), default=to_number)
        from_number = _int_param(request, "from", default_from)
    except ValueError as exc:
        return render(
            request, "policies/diff.html", {"policy": policy, "versions": versions, "error": str(exc)}, status=400
        )
    by_number = {v.number: v for v in versions}
    if from_number not in by_number or to_number not in by_number:
        missing = from_number if from_number not in by_number else to_number
        raise Http404(gettext("%(title)s has no version %(number)s") % {"title": policy.title, "number": missing})
    old, new = by_number[from_number], by_number[to_number]
    for v in (old, new):
        if not can_read_version(request.user, v):
            return render_locked(request, slug)
    rows = diff_sources(old.body_markdown, new.body_markdown)
    context = {
        "policy": policy,
        "versions": versions,
        "old": old,
        "new": new,
        "rows": rows,
        "counts": summarize(rows),
        "meta": diff_metadata(old, new),
    }
    return _private(render(request, "policies/diff.html", context), old, new)


@require_safe
@public_page
def all_changes(request):
    versions = PolicyVersion.objects.select_related("policy", "category").in_history_order()[:200]
    return render(request, "policies/changes.html", {"versions": versions})


@require_safe
@rate_limited("search", key="ip")
@public_page(query=("q",))
def search(request):
    query = request.GET.get("q", "").strip()
    if len(query) > MAX_QUERY_LENGTH:
        return HttpResponseBadRequest(
            gettext("Search for at most %(count)d characters.") % {"count": MAX_QUERY_LENGTH},
            content_type="text/plain; charset=utf-8",
        )
    hits = search_policies(query) if query else []
    return render(request, "policies/search.html", {"query": query, "hits": hits})
