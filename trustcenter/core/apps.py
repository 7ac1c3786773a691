from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "trustcenter.core"
    label = "core"
    verbose_name = "Core"
