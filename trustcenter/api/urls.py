from django.urls import path

from trustcenter.api import engagement, views

app_name = "api"

urlpatterns = [
    # API reference (the JSON API itself is mounted by trustcenter/urls.py)
    path("api/v1/docs/", views.api_docs, name="docs"),
    # Personal tokens (account page)
    path("staff/api/tokens/", views.token_list, name="tokens"),
    path("staff/api/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    # Webhooks
    path("staff/api/webhooks/", views.webhook_list, name="webhooks"),
    path("staff/api/webhooks/<int:pk>/", views.webhook_detail, name="webhook_detail"),
    path("staff/api/webhooks/<int:pk>/toggle/", views.webhook_toggle, name="webhook_toggle"),
    path("staff/api/webhooks/<int:pk>/messages/<str:msg_id>/resend/", views.webhook_resend, name="webhook_resend"),
    # Engagement
    path("staff/engagement/", engagement.summary, name="engagement"),
    path("staff/engagement/export.csv", engagement.summary_csv, name="engagement_csv"),
    path("staff/engagement/organizations/<int:pk>/", engagement.organization_timeline, name="engagement_org"),
]
