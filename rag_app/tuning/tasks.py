"""Celery tasks for tuning: ids in, a training call, done."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

# Settings cap a job's steps; this stops one that still runs away (a very slow machine).
SOFT_TIME_LIMIT = 2 * 60 * 60


@shared_task(name="tuning.train_adapter", soft_time_limit=SOFT_TIME_LIMIT, time_limit=SOFT_TIME_LIMIT + 120)
def train_adapter_task(job_id: int) -> None:
    from rag_app.tuning import training

    try:
        training.run_training(job_id)
    except SoftTimeLimitExceeded:
        training.fail_job(job_id, f"Training took longer than {SOFT_TIME_LIMIT // 60} minutes and was stopped.")
