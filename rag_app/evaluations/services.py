"""What admins do with evaluations: upload question sets, start runs, and guard a collection against regressions."""

import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from rag_app.chat.evaluation import EvaluationError, load_questions
from rag_app.documents.models import Collection
from rag_app.evaluations.charts import Sparkline, sparklines
from rag_app.evaluations.models import EvaluationRun, QuestionSet
from rag_app.evaluations.tasks import run_evaluation_task

# The k a guard set is first run with, before it has a run of its own to copy.
GUARD_K = 5
HISTORY_RUNS = 50


@dataclass(frozen=True)
class GuardWarning:
    """The guard's latest run scored a lower hit@k than the run before it."""

    run: EvaluationRun
    previous: EvaluationRun

    @property
    def hit_at_k(self) -> float:
        return self.run.metrics["hit_at_k"]

    @property
    def previous_hit_at_k(self) -> float:
        return self.previous.metrics["hit_at_k"]


def parse_questions(upload) -> list[dict]:
    """Parse an uploaded JSON Lines file; raise EvaluationError naming the file and line that is wrong."""
    name = Path(upload.name).name or "questions.jsonl"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        with path.open("wb") as handle:
            for block in upload.chunks():
                handle.write(block)
        try:
            return load_questions(path)
        except EvaluationError as error:
            # The temporary folder means nothing to the admin; the name they uploaded does.
            raise EvaluationError(str(error).replace(str(path), name)) from error


def add_question_set(collection: Collection, upload, user=None, *, is_guard: bool = False) -> QuestionSet:
    """Store an uploaded question file as a set of the collection; raise EvaluationError when it is malformed."""
    questions = parse_questions(upload)
    with transaction.atomic():
        question_set = QuestionSet.objects.create(
            collection=collection, name=Path(upload.name).name[:255], questions=questions, uploaded_by=user
        )
        if is_guard:
            make_guard(question_set)
    return question_set


def make_guard(question_set: QuestionSet) -> None:
    """Make the set its collection's guard, replacing any earlier one."""
    with transaction.atomic():
        QuestionSet.objects.filter(collection=question_set.collection_id, is_guard=True).update(is_guard=False)
        QuestionSet.objects.filter(pk=question_set.pk).update(is_guard=True)
    question_set.is_guard = True


def start_runs(
    question_set: QuestionSet,
    modes: list[str],
    *,
    k: int,
    retrieval_only: bool,
    user=None,
    trigger: str = EvaluationRun.Trigger.MANUAL,
) -> list[EvaluationRun]:
    """Queue one run per mode for the worker; retrieval-only applies to RAG mode alone."""
    with transaction.atomic():
        runs = [
            EvaluationRun.objects.create(
                question_set=question_set,
                collection=question_set.collection,
                mode=mode,
                k=k,
                retrieval_only=retrieval_only and mode == "rag",
                started_by=user,
                trigger=trigger,
            )
            for mode in modes
        ]
        for run in runs:
            run_evaluation_task.delay_on_commit(run.pk)
    return runs


def schedule_guard(collection: Collection, trigger: str = EvaluationRun.Trigger.REINGEST) -> EvaluationRun | None:
    """Queue a retrieval-only run of the collection's guard set, unless one is already waiting.

    Return None when the collection has no guard set. Return the waiting run when one is queued,
    so a batch upload queues one run rather than one per document: the waiting run starts after
    the batch's ingestions, which were queued before it.
    """
    with transaction.atomic():
        guard = QuestionSet.objects.select_for_update().filter(collection=collection, is_guard=True).first()
        if guard is None:
            return None
        waiting = guard.runs.filter(status=EvaluationRun.Status.QUEUED, mode="rag", retrieval_only=True).first()
        if waiting:
            return waiting
        previous = _guard_runs(guard).first()
        k = previous.k if previous else GUARD_K
        return start_runs(guard, ["rag"], k=k, retrieval_only=True, trigger=trigger)[0]


def guard_warning(collection: Collection | None) -> GuardWarning | None:
    """Return the warning when the guard's latest run has a lower hit@k than the one before; else None."""
    guard = collection.question_sets.filter(is_guard=True).first() if collection else None
    if guard is None:
        return None
    runs = list(_guard_runs(guard)[:2])
    if len(runs) < 2:
        return None
    latest, previous = runs
    latest_hit, previous_hit = latest.metrics.get("hit_at_k"), previous.metrics.get("hit_at_k")
    if latest_hit is None or previous_hit is None or latest_hit >= previous_hit:
        return None
    return GuardWarning(run=latest, previous=previous)


def collection_history(collection: Collection) -> tuple[list[EvaluationRun], list[Sparkline]]:
    """Return the collection's recent runs, newest first, and sparklines over its finished RAG-mode runs."""
    runs = list(collection.evaluation_runs.select_related("question_set")[:HISTORY_RUNS])
    charted = [run.metrics for run in reversed(runs) if run.status == EvaluationRun.Status.DONE and run.mode == "rag"]
    return runs, sparklines(charted)


def _guard_runs(guard: QuestionSet):
    """The guard set's finished RAG-mode runs, newest first: the ones whose hit@k can be compared."""
    return guard.runs.filter(status=EvaluationRun.Status.DONE, mode="rag")


def question_rows(run: EvaluationRun) -> list[dict]:
    """Return the run's per-question details, each with the gold document and pages it was scored against."""
    gold = {question["id"]: question for question in run.question_set.questions}
    rows = []
    for detail in run.details:
        question = gold.get(detail["id"], {})
        rows.append({**detail, "pdf": question.get("pdf", ""), "gold_pages": question.get("gold_pages", [])})
    return rows
