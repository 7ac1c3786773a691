from django.urls import path

from trustcenter.exports import views

app_name = "exports"

urlpatterns = [
    # One policy: current version, any version
    path("policies/<slug:slug>/pdf/", views.policy_pdf, name="policy"),
    path("policies/<slug:slug>/v/<int:number>/pdf/", views.policy_version_pdf, name="policy_version"),
]
