from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "trustcenter.audit"
    label = "audit"
    verbose_name = "Audit log"
