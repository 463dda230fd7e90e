"""Where to set RETRIEVAL_MIN_SCORE: best hit scores of answerable and unanswerable sample questions.

Retrieval runs as the chat page runs it (the app's chunks, hybrid search, top 5) on an embedded
Chroma in a temporary folder. A question counts as refused when no hit reaches the threshold, as
``build_passages`` decides; the second table adds the app's other gate, distinctive question terms
that no chunk contains (``grounding.missing_terms``). The model is not asked, so this measures the
refusals retrieval alone makes. Run:

    python bench/threshold.py [--thresholds 0.2 0.25 0.3 0.35 0.4]
"""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from answering.grounding import missing_terms
from answering.metrics import QuestionResult, summarize
from bench.retrieval import hybrid_retriever, index_app, load_questions
from evaluation.sample_manual import MANUAL_NAME, write_sample_manual
from ingestion import store
from ingestion.config import EmbedConfig, StoreConfig

TOP_K = 5


def refusal_rates(questions: list[dict], best: dict[str, float], threshold: float, gated: set[str]) -> dict:
    """Return ``summarize``'s no_answer_accuracy and false_refusal_rate when every question in
    ``gated``, or whose best score is under ``threshold``, gets no answer."""
    records = [
        QuestionResult(
            answerable=question["answerable"],
            retrieved=[],
            gold_pdf=question["pdf"],
            gold_pages=question["gold_pages"],
            answer=None,
            no_answer=question["id"] in gated or best[question["id"]] < threshold,
            reference=question["answer"],
            must_contain=question["must_contain"],
            cited=[],
            retrieval_ms=None,
            total_ms=None,
        )
        for question in questions
    ]
    return summarize(records, TOP_K)


def describe(scores: list[float]) -> str:
    return f"min {min(scores):.3f}  median {statistics.median(scores):.3f}  max {max(scores):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.2, 0.25, 0.3, 0.35, 0.4])
    args = parser.parse_args()
    config = EmbedConfig()
    questions = load_questions()
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / MANUAL_NAME
        write_sample_manual(pdf)
        client = store.open_client(StoreConfig(chroma_path=str(Path(tmp) / "chroma")))
        index = index_app(pdf, client, config)
        retriever = hybrid_retriever(client, config, index, TOP_K)
        # Passages are built from every hit over the threshold, not only the first of the fused ranking.
        best = {question["id"]: max(hit.score for hit in retriever(question["question"])) for question in questions}
    texts = [text.casefold() for text in index.texts.values()]
    missing = {
        question["id"]: missing_terms(question["question"], lambda term: any(term in text for text in texts))
        for question in questions
    }
    gated = {question_id for question_id, terms in missing.items() if terms}

    for answerable, label in ((True, "answerable"), (False, "unanswerable")):
        scores = [best[q["id"]] for q in questions if q["answerable"] == answerable]
        print(f"best hit score, {label} ({len(scores)}): {describe(scores)}")
    print("\nunanswerable questions, best score and the terms no chunk contains:")
    for question in questions:
        if not question["answerable"]:
            print(f"  {question['id']}  {best[question['id']]:.3f}  {', '.join(missing[question['id']]) or '-'}")
    print("answerable questions stopped by the missing-terms gate:", ", ".join(
        sorted(q["id"] for q in questions if q["answerable"] and q["id"] in gated)
    ) or "none")  # fmt: skip

    print(f"\n{'threshold':>10}{'score only':>28}{'score + missing terms':>28}")
    print(f"{'':>10}" + f"{'no-answer acc':>15}{'false refusal':>14}" * 2)
    for threshold in args.thresholds:
        alone = refusal_rates(questions, best, threshold, set())
        with_gate = refusal_rates(questions, best, threshold, gated)
        print(
            f"{threshold:>10.2f}"
            + "".join(
                f"{row['no_answer_accuracy']:>15.3f}{row['false_refusal_rate']:>14.3f}" for row in (alone, with_gate)
            )
        )


if __name__ == "__main__":
    main()
