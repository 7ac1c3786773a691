from django.urls import path

from trustcenter.questionnaires import views

app_name = "questionnaires"

urlpatterns = [
    # Public
    path("faq/", views.faq, name="faq"),
    # Answer library (staff)
    path("staff/answers/", views.answer_list, name="answer_list"),
    path("staff/answers/new/", views.answer_create, name="answer_create"),
    path("staff/answers/ask/", views.answer_ask, name="answer_ask"),
    path("staff/answers/<int:pk>/", views.answer_detail, name="answer_detail"),
    path("staff/answers/<int:pk>/edit/", views.answer_edit, name="answer_edit"),
    path("staff/answers/<int:pk>/approve/", views.answer_approve_view, name="answer_approve"),
    # Questionnaires (staff)
    path("staff/questionnaires/", views.questionnaire_list, name="questionnaire_list"),
    path("staff/questionnaires/new/", views.questionnaire_upload_view, name="questionnaire_upload"),
    path(
        "staff/questionnaires/<int:pk>/configure/",
        views.questionnaire_configure_view,
        name="questionnaire_configure",
    ),
    path("staff/questionnaires/<int:pk>/progress/", views.questionnaire_progress, name="questionnaire_progress"),
    path("staff/questionnaires/<int:pk>/review/", views.questionnaire_review, name="questionnaire_review"),
    path(
        "staff/questionnaires/<int:pk>/accept-many/",
        views.questionnaire_accept_many,
        name="questionnaire_accept_many",
    ),
    path(
        "staff/questionnaires/<int:pk>/rows/<int:row_pk>/",
        views.questionnaire_row_review,
        name="questionnaire_row_review",
    ),
    path(
        "staff/questionnaires/<int:pk>/export.<str:fmt>",
        views.questionnaire_export_view,
        name="questionnaire_export",
    ),
    path("staff/questionnaires/<int:pk>/delete/", views.questionnaire_delete, name="questionnaire_delete"),
]
