"""Execute one queued evaluation run in the worker and store its numbers."""

import logging

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from answering.llm import LLMUnavailable
from rag_app.chat.evaluation import EvaluationError, evaluate, evaluation_user
from rag_app.evaluations.models import EvaluationRun

logger = logging.getLogger(__name__)


def run_evaluation(run_id: int) -> EvaluationRun | None:
    """Claim a queued run, evaluate it and mark it done or failed; None when it was not queued.

    The conditional claim makes a redelivered task a no-op instead of a second scoring.
    """
    claimed = EvaluationRun.objects.filter(pk=run_id, status=EvaluationRun.Status.QUEUED).update(
        status=EvaluationRun.Status.RUNNING
    )
    if not claimed:
        return None
    run = EvaluationRun.objects.select_related("question_set", "collection").get(pk=run_id)
    try:
        result = evaluate(
            run.question_set.questions,
            run.collection,
            k=run.k,
            mode=run.mode,
            retrieval_only=run.retrieval_only,
            user=evaluation_user(),
        )
    except (EvaluationError, PermissionDenied, LLMUnavailable) as error:
        _finish(run, EvaluationRun.Status.FAILED, error=str(error))
    except Exception as error:
        logger.exception("Evaluation run %s failed", run_id)
        _finish(run, EvaluationRun.Status.FAILED, error=f"Unexpected error ({type(error).__name__}: {error}).")
    else:
        details = result.pop("details")
        _finish(run, EvaluationRun.Status.DONE, metrics=result, details=details)
    return run


def fail_run(run_id: int, error: str) -> None:
    """Mark a run failed from outside the evaluation, e.g. when the worker stopped it for time."""
    EvaluationRun.objects.filter(pk=run_id).update(
        status=EvaluationRun.Status.FAILED, error=error, finished_at=timezone.now()
    )


def _finish(run: EvaluationRun, status: str, *, error: str = "", metrics=None, details=None) -> None:
    run.status, run.error = status, error
    run.metrics, run.details = metrics or {}, details or []
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "metrics", "details", "finished_at"])
