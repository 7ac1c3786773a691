import logging

from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "trustcenter.exports"
    label = "exports"
    verbose_name = "PDF exports"

    def ready(self):
        # WeasyPrint reports every layout step at INFO; only its warnings matter here.
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

        from django.db.models.signals import post_save

        from trustcenter.exports.receivers import prerender_published_version
        from trustcenter.policies.models import PolicyVersion

        post_save.connect(prerender_published_version, sender=PolicyVersion, dispatch_uid="exports.prerender")
