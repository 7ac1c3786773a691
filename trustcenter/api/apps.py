from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "trustcenter.api"
    label = "api"
    verbose_name = "API and webhooks"

    def ready(self):
        from trustcenter.api import receivers  # noqa: F401 - connects the audit-event receiver
