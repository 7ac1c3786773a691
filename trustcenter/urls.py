from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from trustcenter.accounts import views as accounts_views
from trustcenter.api.routes import api as api_v1
from trustcenter.lib.pagecache import public_page
from trustcenter.policies.sitemaps import PageSitemap, PolicySitemap

admin.site.site_header = "Trust Center administration"
admin.site.site_title = "Trust Center admin"

urlpatterns = [
    path("", include("trustcenter.core.urls")),
    path("", include("trustcenter.policies.urls")),
    path("", include("trustcenter.exports.urls")),
    path("", include("trustcenter.documents.urls")),
    path("", include("trustcenter.access.urls")),
    path("", include("trustcenter.questionnaires.urls")),
    # The JSON API, its reference page, staff tokens, webhooks and engagement.
    path("", include("trustcenter.api.urls")),
    path("api/v1/", api_v1.urls),
    path("", include("trustcenter.updates.urls")),
    path(
        "sitemap.xml",
        public_page(sitemap),
        {"sitemaps": {"pages": PageSitemap, "policies": PolicySitemap}},
        name="sitemap",
    ),
    # Accounts: allauth's pages, the audit log for staff.
    path("accounts/", include("allauth.urls")),
    path("staff/audit/", include("trustcenter.audit.urls")),
    path("staff/jobs/", include("trustcenter.jobs.urls")),
    path("admin/login/", accounts_views.admin_login),
    path("accounts/unlock/<str:token>/", accounts_views.unlock, name="accounts_unlock"),
    path("admin/", admin.site.urls),
]

# allauth answers its own rate limits (ACCOUNT_RATE_LIMITS) with this view.
handler429 = "trustcenter.accounts.views.rate_limited"
