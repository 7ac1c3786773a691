from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "trustcenter.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
