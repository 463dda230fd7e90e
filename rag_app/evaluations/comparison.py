"""Which approach answers a collection's questions best: prompt-only, RAG in each prompt style, RAG with its adapter.

Each approach is one evaluation run of the same question set (``chat.evaluation.APPROACHES``);
the comparison puts every approach's latest finished run side by side, adds what each costs
once (ingesting the manuals, training the adapter), and says in plain words which wins.
"""

from dataclasses import dataclass

from rag_app.chat.evaluation import APPROACHES, approaches
from rag_app.evaluations.charts import Sparkline, sparklines
from rag_app.evaluations.models import EvaluationRun, QuestionSet
from rag_app.evaluations.services import start_runs
from rag_app.tuning.models import TrainingJob

APPROACH_LABELS = {
    "prompt-only": "Prompt only (no retrieval)",
    "rag:zero-shot": "RAG, zero-shot",
    "rag:few-shot": "RAG, few-shot",
    "rag:chain-of-thought": "RAG, chain-of-thought",
    "rag:adapter": "RAG with the LoRA adapter",
}
# The table's rows: (metric, label, higher is better).
METRICS = [
    ("key_fact_recall", "key-fact recall", True),
    ("must_contain_rate", "all key strings", True),
    ("fact_conversion", "fact conversion", True),
    ("false_refusal_rate", "false refusals", False),
    ("no_answer_accuracy", "no-answer accuracy", True),
    ("citation_precision", "citation precision", True),
    ("rouge_l", "ROUGE-L", True),
    ("prompt_tokens_p50", "prompt tokens p50", False),
    ("ttft_ms_p50", "first token ms p50", False),
    ("tokens_per_answer", "tokens per answer", False),
]
HISTORY_RUNS = 20


@dataclass(frozen=True)
class Column:
    approach: str
    label: str
    run: EvaluationRun | None  # its latest finished run; None when it never finished


@dataclass(frozen=True)
class Comparison:
    question_set: QuestionSet
    columns: list[Column]
    rows: list[dict]  # {"label", "cells": [value or None per column], "best": column index or None}
    costs: dict
    verdict: str
    charts: list[tuple[str, list[Sparkline]]]  # per approach, its sparklines over its finished runs
    pending: bool


def start_comparison(question_set: QuestionSet, user=None) -> list[EvaluationRun]:
    """Queue one run per approach of the question set, answering every question each way."""
    return start_runs(question_set, approaches(question_set.collection), k=5, retrieval_only=False, user=user)


def compare(question_set: QuestionSet) -> Comparison:
    runs = question_set.runs.filter(mode__in=APPROACHES)
    done = runs.filter(status=EvaluationRun.Status.DONE)
    shown = set(approaches(question_set.collection)) | set(done.values_list("mode", flat=True))
    columns = [
        Column(approach, APPROACH_LABELS[approach], done.filter(mode=approach).first())
        for approach in APPROACHES
        if approach in shown
    ]
    rows = [_row(metric, label, higher, columns) for metric, label, higher in METRICS]
    charts = [
        (column.label, sparklines([run.metrics for run in reversed(done.filter(mode=column.approach)[:HISTORY_RUNS])]))
        for column in columns
        if column.run
    ]
    return Comparison(
        question_set=question_set,
        columns=columns,
        rows=rows,
        costs=one_off_costs(question_set),
        verdict=verdict(columns),
        charts=charts,
        pending=runs.filter(status__in=[EvaluationRun.Status.QUEUED, EvaluationRun.Status.RUNNING]).exists(),
    )


def one_off_costs(question_set: QuestionSet) -> dict:
    """Minutes spent once: ingesting the collection's manuals, and training its attached adapter."""
    collection = question_set.collection
    spans = collection.documents.filter(ingested_at__isnull=False, dispatched_at__isnull=False).values_list(
        "dispatched_at", "ingested_at"
    )
    seconds = sum(max((ingested - dispatched).total_seconds(), 0) for dispatched, ingested in spans)
    adapter = collection.attached_adapter
    job = TrainingJob.objects.filter(adapter=adapter, status=TrainingJob.Status.DONE).first() if adapter else None
    return {
        "ingestion_minutes": round(seconds / 60, 1) if spans else None,
        "training_minutes": job.report.get("minutes") if job else None,
        "adapter": adapter.name if adapter else "",
    }


def verdict(columns: list[Column]) -> str:
    """Say in plain words which approach states the manual's facts best, and by how much."""
    scored = [(c.run.metrics.get("key_fact_recall"), c) for c in columns if c.run]
    scored = [(value, column) for value, column in scored if value is not None]
    if len(scored) < 2:
        return "Run the comparison to see which approach answers these manuals best."
    scored.sort(key=lambda pair: pair[0], reverse=True)
    (best, winner), (second, runner_up) = scored[0], scored[1]
    baseline = next((value for value, column in scored if column.approach == "prompt-only"), None)
    text = (
        f"{winner.label} states the manuals' key facts best: key-fact recall {best:.2f}, "
        f"{best - second:+.2f} over the next best, {runner_up.label} ({second:.2f})."
    )
    if baseline is not None and winner.approach != "prompt-only":
        text += f" Without retrieval the model recalls {baseline:.2f}, so the manuals add {best - baseline:+.2f}."
    refusals = winner.run.metrics.get("false_refusal_rate")
    precision = winner.run.metrics.get("citation_precision")
    if refusals is not None:
        text += f" It wrongly refuses {refusals:.0%} of answerable questions"
        text += f" and {precision:.0%} of its citations point at a gold page." if precision is not None else "."
    return text


def _row(metric: str, label: str, higher: bool, columns: list[Column]) -> dict:
    cells = [column.run.metrics.get(metric) if column.run else None for column in columns]
    measured = [(value, index) for index, value in enumerate(cells) if value is not None]
    best = None
    values = {value for value, _index in measured}
    # Bold marks a winner: none when only one approach measured it or all measured the same.
    if len(values) > 1:
        best = (max if higher else min)(measured)[1]
    return {"metric": metric, "label": label, "cells": cells, "best": best, "is_ms": metric.endswith("_p50")}
