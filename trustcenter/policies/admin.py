from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from trustcenter.lib.contentfiles import ContentError, ContentErrors
from trustcenter.lib.markup import render_markdown
from trustcenter.policies.forms import PolicyVersionForm
from trustcenter.policies.models import Category, Policy, PolicyVersion
from trustcenter.policies.services import CREATED, policy_version_publish


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    readonly_fields = ["slug", "name", "description", "order"]

    def has_add_permission(self, request):
        return False  # categories come from content/company.yaml

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PolicyVersionInline(ReadOnlyMixin, admin.TabularInline):
    model = PolicyVersion
    fields = ["number", "title", "effective", "reviewed", "visibility", "published_at", "source"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "category", "visibility", "current_number", "last_reviewed"]
    list_filter = ["category", "visibility"]
    search_fields = ["title", "slug", "summary"]
    readonly_fields = [
        "slug", "title", "summary", "category", "visibility", "owner", "last_reviewed", "current_version", "write_link",
    ]  # fmt: skip
    fields = readonly_fields
    inlines = [PolicyVersionInline]
    change_list_template = "admin/policies/policy/change_list.html"

    def has_add_permission(self, request):
        return False  # new pages are written through "Write a policy", which validates like publish

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Current version"))
    def current_number(self, obj):
        return obj.current_version.number if obj.current_version else "-"

    @admin.display(description=_("New version"))
    def write_link(self, obj):
        url = reverse("admin:policies_policy_write_version", args=[obj.pk])
        label = gettext("Write version %(number)d") % {"number": obj.latest_number() + 1}
        return format_html('<a class="button" href="{}">{}</a>', url, label)

    def get_urls(self):
        custom = [
            path("write/", self.admin_site.admin_view(self.write_view), name="policies_policy_write"),
            path(
                "<int:pk>/write/",
                self.admin_site.admin_view(self.write_view),
                name="policies_policy_write_version",
            ),
        ]
        return custom + super().get_urls()

    def write_view(self, request, pk=None):
        """Write a new policy or a new version, preview it, and publish it through the
        same service and validation as `manage.py publish`."""
        if not request.user.has_perm("policies.add_policyversion"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        policy = get_object_or_404(Policy, pk=pk) if pk else None
        initial = {}
        if policy is not None:
            current = policy.current_version
            initial = {
                "title": current.title,
                "category": current.category.slug,
                "summary": current.summary,
                "version": policy.latest_number() + 1,
                "owner": current.owner,
                "visibility": current.visibility,
                "body": current.body_markdown,
            }
        form = PolicyVersionForm(request.POST or None, initial=initial, fixed_slug=policy.slug if policy else None)
        preview = None
        if request.method == "POST" and form.is_valid():
            try:
                source = form.to_source()
                if policy is None and Policy.objects.filter(slug=source.slug).exists():
                    raise ContentError(
                        "admin", 1, f"a policy with the slug {source.slug!r} exists; write a new version of it"
                    )
                if "_preview" in request.POST:
                    preview = render_markdown(source.body)
                else:
                    with transaction.atomic():
                        outcome, version = policy_version_publish(source=source, actor=request.user)
                    if outcome == CREATED:
                        messages.success(
                            request,
                            gettext("Published %(title)s v%(number)d.")
                            % {"title": version.title, "number": version.number},
                        )
                    else:
                        messages.info(
                            request,
                            gettext("%(title)s v%(number)d is already published with this text.")
                            % {"title": version.title, "number": version.number},
                        )
                    return redirect("admin:policies_policy_change", version.policy_id)
            except (ContentError, ContentErrors) as exc:
                form.add_content_errors(exc)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("New version of %(title)s") % {"title": policy.title}
            if policy
            else gettext("Write a policy"),
            "form": form,
            "policy": policy,
            "preview": preview,
        }
        return TemplateResponse(request, "admin/policies/policy/write.html", context)


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["policy", "number", "effective", "visibility", "published_at", "published_by"]
    list_filter = ["visibility", "category"]
    search_fields = ["title", "policy__slug"]
    readonly_fields = [f.name for f in PolicyVersion._meta.fields]

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff and request.user.has_perm("policies.view_policyversion")
