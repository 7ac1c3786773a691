from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "trustcenter.access"
    verbose_name = _("Access")

    def ready(self):
        # Imported here, once the app registry is ready: these modules import models.
        from trustcenter.access import receivers
        from trustcenter.access.services import nda_check_files, nda_publish_step
        from trustcenter.policies.services import PublishStep, publish_step_register

        receivers.connect()
        # content/nda.md is published with the policies, by the same rules and in the same
        # transaction (a bad NDA rolls the whole run back); policies must not import this app.
        publish_step_register(PublishStep(name="NDA", publish=nda_publish_step, check_files=nda_check_files))
