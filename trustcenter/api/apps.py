from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "trustcenter.api"
    label = "api"
    verbose_name = "API and webhooks"

    def ready(self):
        from trustcenter.api import counts, receivers  # noqa: F401 - receivers connects the audit-event receiver
        from trustcenter.lib import pagecache

        pagecache.hit_listeners.append(counts.page_hit)
