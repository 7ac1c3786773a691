from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "trustcenter.policies"
    label = "policies"
    verbose_name = "Policies"
