"""Background jobs of the PDF exports."""

from django_tasks import task

from trustcenter.exports import services


@task()
def exports_prerender_job(version_id: int) -> list[str]:
    return services.exports_prerender(version_id=version_id)
