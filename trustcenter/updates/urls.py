from django.urls import path
from django.views.decorators.http import require_safe

from trustcenter.lib.pagecache import public_page
from trustcenter.updates import feeds, views

app_name = "updates"

urlpatterns = [
    # Update posts
    path("updates/", views.post_list, name="list"),
    path("updates/feed/", public_page(require_safe(feeds.UpdatesFeed())), name="feed"),
    # Subscriptions: ask, confirm, manage, unsubscribe (signed links from the emails)
    path("updates/subscribe/", views.subscribe, name="subscribe"),
    path("updates/subscribe/sent/", views.subscribe_sent, name="subscribe_sent"),
    path("updates/confirm/<str:token>/", views.confirm, name="confirm"),
    path("updates/manage/<str:token>/", views.manage, name="manage"),
    path("updates/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("updates/<slug:slug>/", views.post_detail, name="detail"),
    # The signed-in user's own subscription
    path("account/updates/", views.account_updates, name="account"),
    # Subprocessor change notices and objections
    path("subprocessors/changes/", views.subprocessor_changes, name="subprocessor_changes"),
    path(
        "subprocessors/changes/feed/",
        public_page(require_safe(feeds.SubprocessorChangesFeed())),
        name="subprocessor_feed",
    ),
    path("subprocessors/changes/<int:pk>/", views.subprocessor_change, name="subprocessor_change"),
    path("subprocessors/changes/<int:pk>/object/", views.subprocessor_object, name="subprocessor_object"),
    # Staff: notices, objections, subscriber data requests
    path("staff/updates/", views.staff_home, name="staff"),
    path("staff/updates/changes/<int:pk>/", views.staff_change, name="staff_change"),
    path("staff/updates/subscribers/<int:pk>/export/", views.staff_subscriber_export, name="staff_export"),
    path("staff/updates/subscribers/<int:pk>/delete/", views.staff_subscriber_delete, name="staff_delete"),
]
