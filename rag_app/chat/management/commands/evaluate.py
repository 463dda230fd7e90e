"""Score retrieval and answers on a file of gold questions, in RAG mode, prompt-only mode or both."""

import json
from contextlib import nullcontext

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from answering.llm import LLMUnavailable
from ingestion.store import StoreUnavailable
from rag_app.chat.evaluation import MODES, EvaluationError, approaches, evaluate, evaluation_user, load_questions
from rag_app.chat.llm_process import llm_server_running
from rag_app.documents.chroma_process import chroma_server_running
from rag_app.documents.models import Collection

_LABELS = {
    "n": "questions",
    "hit_at_k": "hit@{k}",
    "hit_at_1": "hit@1",
    "mrr": "MRR",
    "recall_at_k": "recall@{k}",
    "no_answer_accuracy": "no-answer accuracy",
    "false_refusal_rate": "false refusal rate",
    "key_fact_recall": "key-fact recall",
    "must_contain_rate": "all key strings",
    "facts_in_prompt": "key strings in the prompt",
    "fact_conversion": "fact conversion",
    "bare_marker_rate": "bare-marker answers",
    "looping_rate": "looping answers",
    "rouge_l": "ROUGE-L",
    "bleu": "BLEU",
    "citation_precision": "citation precision",
    "tokens_per_answer": "tokens per answer",
    "prompt_tokens_p50": "prompt tokens p50",
    "retrieval_ms_p50": "retrieval ms p50",
    "retrieval_ms_p95": "retrieval ms p95",
    "ttft_ms_p50": "first token ms p50",
    "ttft_ms_p95": "first token ms p95",
    "total_ms_p50": "total ms p50",
    "total_ms_p95": "total ms p95",
}


class Command(BaseCommand):
    help = "Evaluate retrieval and answers on a JSON Lines file of gold questions and print the scores."

    def add_arguments(self, parser):
        parser.add_argument("questions", help="JSON Lines file of questions; see evaluation/__init__.py.")
        parser.add_argument("--collection", required=True, help="Name of the collection holding the manuals.")
        parser.add_argument("--k", type=int, default=5, help="Score the top k hits (default 5).")
        parser.add_argument(
            "--mode",
            choices=[*MODES, "both", "compare"],
            default="rag",
            help="Default: rag. both: rag and prompt-only; compare: every approach (prompt-only, each prompt "
            "style, the attached adapter when there is one).",
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print one JSON object.")
        parser.add_argument(
            "--retrieval-only", action="store_true", help="Score retrieval without generating answers (rag mode)."
        )

    def handle(self, *args, questions, collection, k: int, mode: str, as_json: bool, retrieval_only: bool, **options):
        if k < 1:
            raise CommandError("--k must be at least 1.")
        if retrieval_only and mode != "rag":
            raise CommandError("--retrieval-only needs --mode rag: prompt-only mode does nothing but generate.")
        target = Collection.objects.filter(name=collection).first()
        if target is None:
            raise CommandError(f"No such collection: {collection}")
        modes = _modes(mode, target)
        try:
            loaded = load_questions(questions)
            with chroma_server_running(), nullcontext() if retrieval_only else llm_server_running():
                results = {
                    name: self._evaluate(loaded, target, k, name, retrieval_only, quiet=as_json) for name in modes
                }
        except (EvaluationError, PermissionDenied, LLMUnavailable, StoreUnavailable) as error:
            raise CommandError(str(error)) from error
        summaries = {
            name: {key: value for key, value in result.items() if key != "details"} for name, result in results.items()
        }
        if as_json:
            self.stdout.write(json.dumps(summaries if len(modes) > 1 else summaries[mode]))
            return
        self._print_table(summaries, k)
        for name, summary in summaries.items():
            if "checks" in summary:
                self._print_checks(name, summary)
        if "rag" in results:
            missed = [detail["id"] for detail in results["rag"]["details"] if detail["hit"] is False]
            self.stdout.write(f"\nAnswerable questions with no gold page in the top {k}: {', '.join(missed) or 'none'}")

    def _evaluate(self, questions: list[dict], collection, k: int, mode: str, retrieval_only: bool, quiet: bool):
        with tqdm(total=len(questions), desc=mode, unit="q", disable=quiet, leave=False) as bar:
            return evaluate(
                questions,
                collection,
                k=k,
                mode=mode,
                retrieval_only=retrieval_only,
                user=evaluation_user(),
                on_question=lambda done, total: bar.update(1),
            )

    def _print_table(self, summaries: dict[str, dict], k: int) -> None:
        width = max(len(label) for label in _LABELS) + 4
        self.stdout.write(f"{'':{width}}" + "".join(f"{name:>22}" for name in summaries))
        for key, label in _LABELS.items():
            cells = "".join(f"{_format(key, summary[key]):>22}" for summary in summaries.values())
            self.stdout.write(f"{label.format(k=k):{width}}{cells}")

    def _print_checks(self, name: str, summary: dict) -> None:
        """Print how often each check fires, and the headline numbers with each one on."""
        self.stdout.write(f"\n{name}: questions each check refuses or withdraws (answerable / unanswerable)")
        for check, counts in summary["checks"].items():
            self.stdout.write(
                f"  {check:8}{counts['answerable']:>4} / {counts['unanswerable']:<4}"
                f"key strings in the answers it fires on: {counts['facts_stated']}"
            )
        effects = summary["with_checks"]
        metrics = next(iter(effects.values()))
        self.stdout.write(f"\n{'with':10}" + "".join(f"{metric:>20}" for metric in metrics))
        for label, values in effects.items():
            cells = "".join(f"{_format(metric, value):>20}" for metric, value in values.items())
            self.stdout.write(f"{label:10}{cells}")


def _modes(mode: str, collection) -> list[str]:
    if mode == "both":
        return ["rag", "prompt-only"]
    if mode == "compare":
        return approaches(collection)
    return [mode]


def _format(key: str, value) -> str:
    if value is None:
        return "-"
    if key == "n":
        return str(value)
    return f"{value:.1f}" if key.endswith(("_p50", "_p95")) else f"{value:.4f}"
