from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UpdatesConfig(AppConfig):
    """Update posts, subscribers and their consent, subprocessor change notices and objections, digests."""

    name = "trustcenter.updates"
    label = "updates"
    verbose_name = _("Updates")

    def ready(self):
        from django.db.models.signals import post_save

        from trustcenter.documents.models import Document
        from trustcenter.policies.services import PublishStep, publish_step_register
        from trustcenter.updates import checks, publishing  # noqa: F401 - checks register themselves

        # A new listed document (attestation, report) is news for the "new documents" topic.
        post_save.connect(publishing.document_added, sender=Document, dispatch_uid="trustcenter.updates.document_added")

        # `publish` lives in policies, which must not import this app: it runs this step instead.
        publish_step_register(
            PublishStep(
                name="update posts",
                publish=publishing.updates_publish_step,
                check_files=publishing.updates_check_files,
            )
        )
