from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "trustcenter.access"
    verbose_name = _("Access")

    def ready(self):
        from trustcenter.access import receivers

        receivers.connect()
