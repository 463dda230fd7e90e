"""Celery tasks for evaluations: ids in, a runner call, done."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from rag_app.evaluations import runner

# Generating an answer per question on a CPU can take a while; a stuck model must not hold the worker forever.
SOFT_TIME_LIMIT = 60 * 60


@shared_task(name="evaluations.run_evaluation", soft_time_limit=SOFT_TIME_LIMIT, time_limit=SOFT_TIME_LIMIT + 60)
def run_evaluation_task(run_id: int) -> None:
    try:
        runner.run_evaluation(run_id)
    except SoftTimeLimitExceeded:
        runner.fail_run(run_id, f"The evaluation took longer than {SOFT_TIME_LIMIT // 60} minutes and was stopped.")
