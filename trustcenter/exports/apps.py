import logging

from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "trustcenter.exports"
    label = "exports"
    verbose_name = "PDF exports"

    def ready(self):
        # WeasyPrint reports every layout step at INFO; only its warnings matter here.
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
