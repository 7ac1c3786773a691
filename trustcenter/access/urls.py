from django.urls import path

from trustcenter.access import views

app_name = "access"

urlpatterns = [
    # The signed-in user's access: NDA, requests, grants
    path("access/", views.home, name="home"),
    path("access/request/", views.request_access, name="request"),
    path("access/nda/", views.nda, name="nda"),
    path("access/nda/signatures/<int:pk>/pdf/", views.nda_copy, name="nda_copy"),
    path("access/invitations/<str:token>/", views.invitation, name="invitation"),
    # Staff: review queue and invitations (under /staff/, so two-factor authentication is required)
    path("staff/access/", views.review, name="review"),
    path("staff/access/requests/<int:pk>/approve/", views.approve, name="approve"),
    path("staff/access/requests/<int:pk>/deny/", views.deny, name="deny"),
    path("staff/access/grants/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("staff/access/trace/", views.trace, name="trace"),
    path("staff/access/organizations/new/", views.organization_new, name="organization_new"),
    path("staff/invitations/", views.invitations, name="invitations"),
]
