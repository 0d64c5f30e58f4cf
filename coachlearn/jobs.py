"""Background jobs on the one PostgreSQL, with procrastinate.

procrastinate keeps its queue in PostgreSQL tables, so workers run on any number of machines
with no other server, take jobs with row locks (each job runs once at a time) and send
heartbeats. `job()` is how every app declares one:

- A job is idempotent: it may run again after a worker was killed half-way, so it writes
  its result last, in one step, and a second run finds the work done or does it again
  without leaving a partial file or row behind.
- A failed attempt is retried with a growing delay; each failure's message is kept in
  JobError, shown beside the job in the admin, where staff can retry it by hand.
- A worker that stops sending heartbeats (killed, its machine gone) leaves its jobs in
  "doing"; `retry_stalled_jobs`, run every few seconds by some worker, puts them back.

`manage.py procrastinate worker` runs a worker (`make run` starts one beside the server).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django.conf import settings
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.utils import utcnow

logger = logging.getLogger(__name__)

# 5 attempts over about a minute and a half (2, 4, 8, 16 … seconds apart, plus jitter).
DEFAULT_RETRY = RetryStrategy(max_attempts=5, exponential_wait=2)


def job(*, queue: str = "default", retry: RetryStrategy = DEFAULT_RETRY, **options):
    """Declare a background job: `@job()` above a function of keyword arguments."""

    def declare(function: Callable) -> Callable:
        @functools.wraps(function)
        def run(context=None, **kwargs):
            # A worker passes its context; calling the job directly runs it here and now.
            try:
                return function(**kwargs)
            except Exception as error:
                if context is not None:
                    _record_failure(context.job, error)
                raise

        return app.task(
            name=f"{function.__module__}.{function.__name__}",
            queue=queue,
            retry=retry,
            pass_context=True,
            **options,
        )(run)

    return declare


def _record_failure(job, error: Exception) -> None:
    from coachlearn.models import JobError

    logger.exception("Job %s (%s) failed", job.id, job.task_name)
    JobError.objects.create(
        job_id=job.id,
        task_name=job.task_name,
        attempt=job.attempts + 1,
        message=f"{type(error).__name__}: {error}"[:2000],
    )


# Cron with seconds as the sixth field (croniter): every few seconds.
@app.periodic(cron=f"* * * * * */{settings.JOBS_STALLED_CHECK_SECONDS}")
@app.task(name="coachlearn.jobs.retry_stalled_jobs", queue="default")
async def retry_stalled_jobs(timestamp: int) -> int:
    """Jobs left in "doing" by a worker that stopped sending heartbeats go back in the queue."""
    stalled = await app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.JOBS_STALLED_AFTER_SECONDS
    )
    for stalled_job in stalled:
        logger.warning(
            "Retrying job %s (%s): its worker stopped", stalled_job.id, stalled_job.task_name
        )
        await app.job_manager.retry_job(stalled_job, retry_at=utcnow())
    return len(stalled)


@app.periodic(cron="17 * * * *")
@app.task(name="coachlearn.jobs.remove_old_jobs", queue="default")
async def remove_old_jobs(timestamp: int) -> None:
    """Finished jobs go after JOBS_KEEP_HOURS; failed ones stay until staff remove them."""
    await app.job_manager.delete_old_jobs(nb_hours=settings.JOBS_KEEP_HOURS)
