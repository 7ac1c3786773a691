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
]
