"""Background jobs of the PDF exports."""

from botocore.exceptions import BotoCoreError
from django_tasks import TaskContext, task

from trustcenter.exports import services
from trustcenter.jobs.retry import retrying


@task(takes_context=True)
@retrying(OSError, BotoCoreError)  # storage unreachable or timing out (a local disk, or S3)
def exports_prerender_job(context: TaskContext, version_id: int, *, attempt: int = 1) -> list[str]:
    return services.exports_prerender(version_id=version_id)
