"""The jobs page for staff: what the queue did recently, and what it is doing now."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from trustcenter.core.decorators import staff_required
from trustcenter.jobs.models import EmailStatus, OutgoingEmail, WorkerHeartbeat
from trustcenter.jobs.worker import describe_error

RECENT = 100
STATES = {"ready", "running", "failed", "successful"}


def _row(job: DBTaskResult) -> dict:
    ended = job.finished_at or (timezone.now() if job.status == TaskResultStatus.RUNNING else None)
    return {
        "id": job.id,
        "task": job.task_path.rsplit(".", 1)[-1],
        "arguments": job.args_kwargs.get("args", []),
        "status": job.status,
        "status_label": TaskResultStatus(job.status).label,
        "enqueued_at": job.enqueued_at,
        "waited": (job.started_at - job.enqueued_at).total_seconds() if job.started_at else None,
        "ran": (ended - job.started_at).total_seconds() if job.started_at and ended else None,
        # A retry is a new job with the attempt number; a job run again after its worker died keeps its id.
        "attempt": job.args_kwargs.get("kwargs", {}).get("attempt", 1),
        "starts": len(job.worker_ids),
        "error": describe_error(job) if job.status == TaskResultStatus.FAILED else "",
    }


@require_safe
@never_cache
@staff_required
def job_list(request):
    state = request.GET.get("state", "")
    jobs = DBTaskResult.objects.order_by("-enqueued_at")
    if state in STATES:
        jobs = jobs.filter(status=state.upper())
    counts = {
        status.lower(): DBTaskResult.objects.filter(status=status).count()
        for status in (TaskResultStatus.READY, TaskResultStatus.RUNNING, TaskResultStatus.FAILED)
    }
    emails = OutgoingEmail.objects.exclude(status=EmailStatus.SENT).order_by("-created_at")[:50]
    return render(
        request,
        "jobs/list.html",
        {
            "jobs": [_row(job) for job in jobs[:RECENT]],
            "state": state if state in STATES else "",
            "counts": counts,
            "workers": WorkerHeartbeat.objects.order_by("worker_id"),
            "emails": emails,
        },
    )
