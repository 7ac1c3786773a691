from django.urls import path

from trustcenter.documents import views

app_name = "documents"

urlpatterns = [
    # Attestations and reports
    path("documents/", views.document_list, name="list"),
    path("documents/<int:pk>/download/", views.download, name="download"),
]
