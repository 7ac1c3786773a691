"""Retries with backoff for jobs that fail for a reason that may pass (a mail server down, a
storage timeout). django-tasks runs each enqueued job once; a retry is a new job of the same
task, enqueued to run later, with the attempt number as its `attempt` keyword argument."""

import datetime
import functools

from django.conf import settings
from django.utils import timezone


class TransientError(Exception):
    """A failure that may pass by itself; jobs decorated with `retrying` try again later."""


class RetryScheduled(Exception):
    """This attempt failed for a passing reason and the next attempt is queued (the message says when)."""


def retry_delay(attempt: int) -> int | None:
    """Seconds to wait after failed attempt number `attempt`, or None when none is left."""
    delays = settings.JOBS_RETRY_DELAYS
    return delays[attempt - 1] if 0 < attempt <= len(delays) else None


def retrying(*transient: type[BaseException]):
    """Decorate a task function that takes `context` first and an `attempt` keyword argument
    (put `@task(takes_context=True)` above this): when it raises one of `transient`, the same
    task is enqueued again after the next delay of JOBS_RETRY_DELAYS and this attempt ends
    with `RetryScheduled`, which the jobs page shows with the reason. After the last delay the
    error is raised as it is and the job fails for good."""
    transient = transient or (TransientError,)

    def decorate(func):
        @functools.wraps(func)
        def wrapper(context, *args, attempt: int = 1, **kwargs):
            try:
                return func(context, *args, attempt=attempt, **kwargs)
            except transient as exc:
                delay = retry_delay(attempt)
                task = context.task_result.task
                if delay is None or not task.get_backend().supports_defer:
                    raise
                run_after = timezone.now() + datetime.timedelta(seconds=delay)
                task.using(run_after=run_after).enqueue(*args, attempt=attempt + 1, **kwargs)
                raise RetryScheduled(
                    f"Attempt {attempt} failed ({type(exc).__name__}: {exc}); attempt {attempt + 1} "
                    f"runs after {run_after:%Y-%m-%d %H:%M:%S} UTC."
                ) from exc

        return wrapper

    return decorate
