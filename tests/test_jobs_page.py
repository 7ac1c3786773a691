"""The staff jobs page: recent jobs with state, times, attempts and error; emails not sent."""

import datetime

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.jobs_tasks import sleep_for
from trustcenter.jobs.models import EmailStatus, OutgoingEmail, WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_staff_see_recent_jobs_with_state_duration_attempts_and_error(client, sales, settings):
    settings.TASKS = settings.DATABASE_TASKS
    now = timezone.now()
    done, failed, waiting = (sleep_for.enqueue(0) for _ in range(3))
    DBTaskResult.objects.filter(pk=done.id).update(
        status="SUCCESSFUL",
        started_at=now - datetime.timedelta(seconds=3),
        finished_at=now - datetime.timedelta(seconds=1),
        worker_ids=["w1", "w2"],
    )
    DBTaskResult.objects.filter(pk=failed.id).update(
        status="FAILED",
        started_at=now,
        finished_at=now,
        worker_ids=["w1"],
        args_kwargs={"args": [7], "kwargs": {"attempt": 3}},
        exception_class_path="trustcenter.jobs.retry.RetryScheduled",
        traceback="Traceback (most recent call last):\n  ...\n"
        "RetryScheduled: Attempt 3 failed (SMTP 451); attempt 4 runs later",
    )
    OutgoingEmail.objects.create(key="k", to=["a@example.com"], subject="Hello", body="b", status=EmailStatus.UNKNOWN)
    WorkerHeartbeat.objects.create(worker_id="web-1-abc", started_at=now, last_seen=now)

    client.force_login(sales)
    html = client.get("/staff/jobs/").content.decode()
    assert "1 waiting, 0 running, 1 failed." in html
    assert "web-1-abc" in html
    assert "started 2 times: a worker stopped" in html and "2.0 s" in html
    assert "RetryScheduled: Attempt 3 failed (SMTP 451); attempt 4 runs later" in html
    assert "Unknown (worker stopped while sending)" in html and "Hello" in html

    only_failed = client.get("/staff/jobs/?state=failed").content.decode()
    assert only_failed.count('class="job-') == 1 and "job-failed" in only_failed
    assert waiting.id  # listed as waiting above
