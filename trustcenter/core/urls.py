from django.urls import path

from trustcenter.core import views

app_name = "core"

urlpatterns = [
    path(".well-known/security.txt", views.security_txt, name="security_txt"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("brand.css", views.brand_css, name="brand_css"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("language/<str:code>/", views.language_switch, name="language"),
]
