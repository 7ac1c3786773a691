"""Background work of the API app, run by the task queue (django-tasks). Webhook deliveries
have their job beside their code, in deliveries.py."""

from django_tasks import task

from trustcenter.api.services import engagement_purge


@task()
def engagement_purge_task() -> int:
    return engagement_purge()
