from django.urls import path
from django.views.decorators.http import require_safe

from trustcenter.lib.pagecache import public_page
from trustcenter.policies import feeds, views

app_name = "policies"

urlpatterns = [
    path("", views.overview, name="overview"),
    # One policy: current, any version, and the changes between two
    path("policies/<slug:slug>/", views.detail, name="detail"),
    path("policies/<slug:slug>/v/<int:number>/", views.version, name="version"),
    path("policies/<slug:slug>/changes/", views.changes, name="changes"),
    # Every publication
    path("changes/", views.all_changes, name="all_changes"),
    path("changes/feed/", public_page(require_safe(feeds.ChangesFeed())), name="feed"),
    path("search/", views.search, name="search"),
]
