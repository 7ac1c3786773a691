"""Render PDFs right after a publication (connected in ExportsConfig.ready())."""

from django.conf import settings
from django.db import transaction

from trustcenter.exports.tasks import exports_prerender_job


def prerender_published_version(sender, instance, created, raw=False, **kwargs):
    """post_save on PolicyVersion: once the publication commits, a job renders its PDFs."""
    if not created or raw or not settings.EXPORTS_PRERENDER:
        return
    version_id = instance.pk
    transaction.on_commit(lambda: exports_prerender_job.enqueue(version_id))
